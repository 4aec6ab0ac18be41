-- The complete OP (issue 3), PostgreSQL. Keep in step with
-- sqlite/migrations/0004_oidc.sql.

-- Client-assertion replay cache (RFC 7523 §3: jti). id is
-- client_id || ' ' || jti so the sweeper can delete by one key.
CREATE TABLE assertion_jtis (
	id TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX assertion_jtis_expires_at ON assertion_jtis (expires_at);

-- Sealed copies of client secrets: client_secret_jwt verifies an HMAC keyed
-- with the secret itself, which the hash in application_secrets cannot do.
CREATE TABLE application_secret_seals (
	application_id TEXT NOT NULL,
	name TEXT NOT NULL,
	sealed BYTEA NOT NULL,
	PRIMARY KEY (application_id, name),
	FOREIGN KEY (application_id, name) REFERENCES application_secrets (application_id, name) ON DELETE CASCADE
);

-- Back-channel logout outbox (OIDC Back-Channel Logout 1.0): written with
-- the session's deletion, delivered and deleted by any node. No foreign key
-- to users: a deleted user's sessions still end with a logout token.
CREATE TABLE logout_notices (
	id TEXT PRIMARY KEY,
	client_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	uri TEXT NOT NULL,
	user_id TEXT NOT NULL DEFAULT '',
	sid TEXT NOT NULL DEFAULT '',
	attempts BIGINT NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX logout_notices_next_attempt_at ON logout_notices (next_attempt_at);
CREATE INDEX logout_notices_expires_at ON logout_notices (expires_at);
