// Package prompts holds the texts partybot composes from, as data beside
// the code that reads them: the prompt templates for a chat model
// (templates/*.tmpl), and the checklist templates (checklists/*.yaml,
// embedded) that [ChecklistTemplates] loads and [ParseChecklistTemplate]
// validates, with a deployer's own templates read by
// [LoadChecklistTemplates].
//
// A checklist template turns a mechanism the corpus describes ("八个一"
// 包联, 专项整顿闭环管理 …) into 台账 items, each resting on an exact quote
// of a document. The package checks the templates' shape; whether a quote
// stands in the knowledge base is checked where the knowledge base is
// (package bot) and, for the shipped templates, by this package's tests.
//
// The package does not log; it returns errors with Chinese messages that
// name the file and line to fix.
package prompts
