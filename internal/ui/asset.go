package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// asset is one embedded file, ready to serve. Its bytes are read (and
// hashed for the ETag) on first use, not at start-up: an idle server does
// not hold a heap copy of every file it has never been asked for.
type asset struct {
	name        string
	contentType string
	fsys        fs.FS

	once  sync.Once
	bytes []byte
	tag   string
}

// load reads the file and computes its ETag, once. Reading an embedded
// file cannot fail once WalkDir has listed it; if it did, the asset is
// served empty.
func (a *asset) load() {
	a.once.Do(func() {
		body, _ := fs.ReadFile(a.fsys, a.name)
		sum := sha256.Sum256(body)
		a.bytes, a.tag = body, `"`+hex.EncodeToString(sum[:12])+`"`
	})
}

func (a *asset) body() []byte { a.load(); return a.bytes }
func (a *asset) etag() string { a.load(); return a.tag }

// contentTypes overrides mime's platform-dependent table for the types we
// ship, so responses do not depend on the host's /etc/mime.types.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
}

// load lists every file of fsys; their contents are read on first use.
func load(fsys fs.FS) (map[string]*asset, error) {
	out := map[string]*asset{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			ct = mime.TypeByExtension(path.Ext(name))
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[name] = &asset{name: name, contentType: ct, fsys: fsys}
		return nil
	})
	return out, err
}

// serve writes a with status 200, honouring conditional and range
// requests (http.ServeContent does both, given the ETag).
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag())
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body()))
}

// serveStatus writes a with another status (the 404 page). Conditional
// requests are not honoured: a 304 would turn the 404 into a success.
func (a *asset) serveStatus(w http.ResponseWriter, r *http.Request, status int) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(a.body())
	}
}

// isAssetPath rejects names fs.FS would refuse anyway, before the lookup.
func isAssetPath(name string) bool {
	return name != "" && fs.ValidPath(name) && !strings.HasPrefix(path.Base(name), ".")
}
