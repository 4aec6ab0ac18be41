-- An opaque access token that a refresh displaced from its chain's row
-- (tokens.at_hash) while it still lives moves here, not to a tokens row
-- of its own: a row of tokens carries seven indexes, this one two, and a
-- refresh that keeps the previous access token alive (the usual case when
-- clients refresh early) writes one such row. The rest of the token —
-- client, user, session, auth time, AMR — is the chain's: it is valid only
-- while its grant's refresh-token row exists, so revoking the chain,
-- ending the session or deleting the user or app takes it along without
-- touching this table; the sweeper removes it once expired.
CREATE TABLE held_access_tokens (
	hash BLOB PRIMARY KEY,
	grant_id TEXT NOT NULL,
	scopes TEXT,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX held_access_tokens_expires_at ON held_access_tokens (expires_at);
