-- MFA factors, social connectors and linked social identities (PostgreSQL).
-- Keep in step with sqlite/migrations/0003_mfa_social.sql.

CREATE TABLE mfa_factors (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	type TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	-- TOTP: the sealed key and the last accepted time step.
	secret BYTEA,
	last_totp_step BIGINT NOT NULL DEFAULT 0,
	-- WebAuthn: the credential.
	credential_id BYTEA,
	public_key BYTEA,
	sign_count BIGINT NOT NULL DEFAULT 0,
	details TEXT,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT
);
CREATE INDEX mfa_factors_user_id ON mfa_factors (user_id, created_at);
CREATE UNIQUE INDEX mfa_factors_credential_id ON mfa_factors (credential_id);
-- One TOTP and one set of backup codes per user; any number of passkeys.
CREATE UNIQUE INDEX mfa_factors_single ON mfa_factors (user_id, type) WHERE type <> 'WebAuthn';

CREATE TABLE mfa_backup_codes (
	factor_id TEXT NOT NULL REFERENCES mfa_factors (id) ON DELETE CASCADE,
	hash BYTEA NOT NULL,
	used_at BIGINT,
	PRIMARY KEY (factor_id, hash)
);

CREATE TABLE user_mfa_settings (
	user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	skipped BOOLEAN NOT NULL DEFAULT false,
	updated_at BIGINT NOT NULL
);

CREATE TABLE social_connectors (
	id TEXT PRIMARY KEY,
	factory_id TEXT NOT NULL,
	target TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	logo TEXT NOT NULL DEFAULT '',
	config TEXT NOT NULL,
	sealed_secret BYTEA,
	sync_profile BOOLEAN NOT NULL DEFAULT false,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

-- Identities outlive their connector (Logto keys them by target), so there
-- is no foreign key to social_connectors.
CREATE TABLE user_identities (
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	target TEXT NOT NULL,
	identity_id TEXT NOT NULL,
	connector_id TEXT NOT NULL DEFAULT '',
	details TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, target),
	UNIQUE (target, identity_id)
);
