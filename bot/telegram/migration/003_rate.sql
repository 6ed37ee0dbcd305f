-- The rate limit shared by the replicas: updates each user sent in each
-- minute (unix minutes), counted by whichever replica took them.
CREATE TABLE telegram_rate (
	bot_id  BIGINT  NOT NULL,
	user_id BIGINT  NOT NULL,
	minute  BIGINT  NOT NULL,
	n       INTEGER NOT NULL,
	PRIMARY KEY (bot_id, user_id, minute)
);
