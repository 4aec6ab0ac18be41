// Package signinexp owns the sign-in experience settings (Logto's
// sign_in_experiences row "default"): their shape, their defaults, the
// rules that keep them coherent, and a short-lived per-node cache.
//
// The document is stored as JSON in the store (store.SignInExperiences) in
// Logto's field names, so GET /api/sign-in-exp returns what Logto returns
// and a Logto script can PATCH it unchanged. PATCH replaces the top-level
// fields it names (Logto's partial update); every nested object must be
// complete, except passwordPolicy, whose missing parts take Logto's
// defaults. The merged document is validated as a whole, with Logto's
// sign_in_experiences.* error codes, before it is written.
//
// The interaction engine reads the settings through Service.Interaction,
// which decodes the document into interaction.Settings. Each node caches
// the decoded settings for a couple of seconds (Config.CacheTTL), so a
// change made on one node reaches every node within that time without any
// cross-node signalling; the node that made the change sees it at once.
package signinexp
