-- Where each question was asked (telegram, terminal, web) and the indexes
-- of the console's question log, which lists answers newest first and
-- groups the refused ones of a period. The same SQL on SQLite and
-- PostgreSQL. Answers recorded before the column existed came from the
-- Telegram bot, or from the terminal chat for users named "terminal:…".
ALTER TABLE answers ADD COLUMN channel TEXT NOT NULL DEFAULT '';
UPDATE answers SET channel = CASE WHEN user_id LIKE 'terminal:%' THEN 'terminal' ELSE 'telegram' END;
CREATE INDEX answers_created ON answers (created_at);
CREATE INDEX answers_refused ON answers (refused, created_at);
-- Counting the refused answers voted down (the log's 👎 filter) from the
-- index alone.
CREATE INDEX answers_refused_vote ON answers (refused, vote, created_at);
