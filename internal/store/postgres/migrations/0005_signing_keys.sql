-- At most one Current and one Next signing key per algorithm. The signing
-- manager creates the first keys and rotates them in a transaction and
-- relies on this index to make concurrent first starts of several nodes
-- agree on one key set: the loser's insert fails, and it loads the
-- winner's keys instead of publishing its own.
--
-- Stores written before this index may hold extra keys (two nodes started
-- at once, or a rotation stopped half-way). The newest Current key of an
-- algorithm is the one that signs (ListSigningKeys order), so older Current
-- keys become Previous: still published, their tokens keep verifying. An
-- older Next key never signed anything and is dropped.
UPDATE signing_keys SET status = 'Previous'
WHERE status = 'Current' AND EXISTS (
	SELECT 1 FROM signing_keys newer
	WHERE newer.alg = signing_keys.alg AND newer.status = 'Current'
		AND (newer.created_at > signing_keys.created_at
			OR (newer.created_at = signing_keys.created_at AND newer.id > signing_keys.id))
);
DELETE FROM signing_keys
WHERE status = 'Next' AND EXISTS (
	SELECT 1 FROM signing_keys newer
	WHERE newer.alg = signing_keys.alg AND newer.status = 'Next'
		AND (newer.created_at > signing_keys.created_at
			OR (newer.created_at = signing_keys.created_at AND newer.id > signing_keys.id))
);
CREATE UNIQUE INDEX signing_keys_one_current_one_next ON signing_keys (alg, status)
	WHERE status IN ('Current', 'Next');
