-- The complete OP (issue 3), SQLite. Keep in step with
-- postgres/migrations/0004_oidc.sql.

-- Client-assertion replay cache (RFC 7523 §3: jti). id is
-- client_id || ' ' || jti so the sweeper can delete by one key.
CREATE TABLE assertion_jtis (
	id TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
);
CREATE INDEX assertion_jtis_expires_at ON assertion_jtis (expires_at);

-- Sealed copies of client secrets: client_secret_jwt verifies an HMAC keyed
-- with the secret itself, which the hash in application_secrets cannot do.
CREATE TABLE application_secret_seals (
	application_id TEXT NOT NULL,
	name TEXT NOT NULL,
	sealed BLOB NOT NULL,
	PRIMARY KEY (application_id, name),
	FOREIGN KEY (application_id, name) REFERENCES application_secrets (application_id, name) ON DELETE CASCADE
);
