// Package prompts holds the prompt templates partybot composes a chat
// model's messages from (templates/*.tmpl, embedded), and renders them with
// the user's and the documents' text in delimited blocks.
//
// The package does not log; it returns errors.
package prompts
