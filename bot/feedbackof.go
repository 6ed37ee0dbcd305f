package bot

import "partybot/feedback"

// FeedbackOf is the question log's record of the answer a given to u, as
// the chat records it, not yet voted on: for other channels (the web
// console) to record their answers the same way.
func FeedbackOf(u User, a Answer) feedback.Answer { return feedbackOf(u, a) }
