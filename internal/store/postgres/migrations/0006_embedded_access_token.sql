-- A refresh token's row also holds the opaque access token last issued
-- with it (hash, scopes, expiry), so issuing both — at the code exchange
-- or at a refresh, which rotates the row in place — writes one row.
ALTER TABLE tokens ADD COLUMN at_hash BYTEA;
ALTER TABLE tokens ADD COLUMN at_scopes TEXT;
ALTER TABLE tokens ADD COLUMN at_expires_at BIGINT;
CREATE UNIQUE INDEX tokens_at_hash ON tokens (at_hash);
