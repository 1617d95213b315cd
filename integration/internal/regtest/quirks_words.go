package regtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Registries' own words when they refuse: each function below is a Hook
// that makes a Distribution registry behind a FaultProxy answer as one
// registry is documented to, for the requests that behaviour concerns.

// writeError answers status with a registry's JSON error body.
func wordsError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q,"detail":null}]}`+"\n", code, message)
}

// repoOf is the repository of a /v2/<repo>/(manifests|blobs|tags|referrers)/
// path, or "".
func wordsRepo(path string) string {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return ""
	}
	for _, sep := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.Index(rest, sep); i > 0 {
			return rest[:i]
		}
	}
	return ""
}

// DockerHubPullMessage is Docker Hub's sentence when a pull limit is spent
// (docker/docs#22916).
const DockerHubPullMessage = "You have reached your pull rate limit as '<anonymous>': 0123456789abcdef. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"

// DockerHubPullLimit answers every manifest GET as Docker Hub does once
// the pull limit is spent: 429 TOOMANYREQUESTS with its sentence,
// ratelimit-limit and ratelimit-remaining: 0, and no Retry-After, so that
// nothing says when the limit reopens (docker/docs#22916,
// docker/hub-feedback#2360; Docker's "Usage and limits" page: a HEAD is
// not counted, and is answered).
func DockerHubPullLimit() Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/manifests/") {
			return false
		}
		w.Header().Set("ratelimit-limit", "100;w=21600")
		w.Header().Set("ratelimit-remaining", "0;w=21600")
		w.Header().Set("docker-ratelimit-source", "127.0.0.1")
		wordsError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", DockerHubPullMessage)
		return true
	}
}

// PullLimitWithRetryAfter is Docker Hub's spent pull limit with a
// Retry-After of seconds: the first times manifest GETs are refused as
// [DockerHubPullLimit] does, with Retry-After; later ones pass. A registry
// that says when the limit reopens is waited for (RFC 6585, section 4;
// docker/hub-feedback#2360 asks Docker Hub for the header).
func PullLimitWithRetryAfter(seconds, times int) Hook {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/manifests/") || n.Add(1) > int64(times) {
			return false
		}
		w.Header().Set("ratelimit-remaining", "0;w=21600")
		w.Header().Set("Retry-After", fmt.Sprint(seconds))
		wordsError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", DockerHubPullMessage)
		return true
	}
}

// ECRMissingRepository answers every request for a repository not in
// existing as Amazon ECR does: 404 NAME_UNKNOWN, "The repository with
// name '…' does not exist in the registry with id '…'". ECR does not
// create a repository on push (Amazon ECR User Guide, "Pushing an image":
// the repository must exist first; create-on-push is a setting of its own
// for which a repository creation template is needed).
func ECRMissingRepository(existing ...string) Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		repo := wordsRepo(r.URL.Path)
		if repo == "" || slices.Contains(existing, repo) {
			return false
		}
		wordsError(w, http.StatusNotFound, "NAME_UNKNOWN",
			"The repository with name '"+repo+"' does not exist in the registry with id '123456789012'")
		return true
	}
}

// ECRImmutableTags answers a manifest PUT by tag whose tag already names
// another manifest in reg as Amazon ECR does for a repository with
// immutable tags: 400 TAG_INVALID (Amazon ECR User Guide, "Image tag
// mutability").
func ECRImmutableTags(reg *Registry) Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		repo := wordsRepo(r.URL.Path)
		_, tag, ok := strings.Cut(r.URL.Path, "/manifests/")
		if r.Method != http.MethodPut || !ok || strings.HasPrefix(tag, "sha256:") {
			return false
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		old, err := reg.GetManifest(repo, tag)
		if err != nil || old.Digest == fmt.Sprintf("sha256:%x", sha256.Sum256(body)) {
			return false
		}
		wordsError(w, http.StatusBadRequest, "TAG_INVALID", "The image tag '"+tag+"' already exists in the '"+repo+
			"' repository and cannot be overwritten because the repository is immutable.")
		return true
	}
}

// GHCRWriteDenied answers every write (PUT, POST, PATCH, DELETE) as GHCR
// does for a token without write:packages: 403 DENIED
// "permission_denied: write_package" (GitHub Docs, "Working with the
// Container registry", authenticating with a personal access token).
func GHCRWriteDenied() Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || wordsRepo(r.URL.Path) == "" {
			return false
		}
		wordsError(w, http.StatusForbidden, "DENIED", "permission_denied: write_package")
		return true
	}
}

// InsufficientScope makes the proxy a token registry for writes: a write
// (an upload, a manifest PUT) is challenged for a push scope, the token
// endpoint /token on the proxy hands out a token, and the write with it
// is refused again, 401 with error="insufficient_scope" and Distribution's
// body (distribution/distribution, registry/auth/token/accesscontroller.go;
// RFC 6750, section 3.1), as a token server that grants pull only does.
func InsufficientScope() Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/token" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"token":"pull-only-token","expires_in":300}`)
			return true
		}
		repo := wordsRepo(r.URL.Path)
		if r.Method == http.MethodGet || r.Method == http.MethodHead || repo == "" {
			return false
		}
		challenge := `Bearer realm="http://` + r.Host + `/token",service="registry.test",scope="repository:` + repo + `:pull,push"`
		if r.Header.Get("Authorization") != "" {
			challenge += `,error="insufficient_scope"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		wordsError(w, http.StatusUnauthorized, "DENIED", "requested access to the resource is denied")
		return true
	}
}

// Schema1Prettyjws is a signed Docker schema 1 manifest
// (application/vnd.docker.distribution.manifest.v1+prettyjws) as old
// clients pushed them: the manifest, then its JWS signatures, whose
// protected header says where the signed payload ends. The signature
// itself is not a valid one: no client checks it. Its digest is that of
// the payload, as registries compute it.
var Schema1Prettyjws = sync.OnceValues(func() (body, digest string) {
	unsigned := "{\n   \"schemaVersion\": 1,\n   \"name\": \"legacy/app\",\n   \"tag\": \"1\",\n   \"architecture\": \"amd64\",\n" +
		"   \"fsLayers\": [\n      {\"blobSum\": \"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4\"}\n   ],\n" +
		"   \"history\": [\n      {\"v1Compatibility\": \"{\\\"id\\\":\\\"e45a5af57b00\\\",\\\"architecture\\\":\\\"amd64\\\",\\\"os\\\":\\\"linux\\\"}\"}\n   ]\n}"
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	at := len(unsigned) - 2 // the payload's end, before "\n}"
	protected := b64([]byte(fmt.Sprintf(`{"formatLength":%d,"formatTail":%q,"time":"2016-01-01T00:00:00Z"}`, at, b64([]byte(unsigned[at:])))))
	digest = fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(unsigned))) // of the payload, signatures left out
	return unsigned[:at] + fmt.Sprintf(`,
   "signatures": [
      {
         "header": {"jwk": {"crv": "P-256", "kty": "EC", "x": %q, "y": %q}, "alg": "ES256"},
         "signature": "AAAA",
         "protected": %q
      }
   ]
}`, b64(key.X.FillBytes(make([]byte, 32))), b64(key.Y.FillBytes(make([]byte, 32))), protected), digest
})

// Schema1Manifest answers the manifest of repo:tag with a signed schema
// 1 manifest, as Quay still serves images pushed by old clients
// (quay/quay#899; regclient/regclient#398, an index refused for such a
// member).
func Schema1Manifest(repo, tag string) Hook {
	const mt = "application/vnd.docker.distribution.manifest.v1+prettyjws"
	body, digest := Schema1Prettyjws()
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v2/"+repo+"/manifests/"+tag || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			return false
		}
		w.Header().Set("Content-Type", mt)
		w.Header().Set("Docker-Content-Digest", digest)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		if r.Method == http.MethodGet {
			io.WriteString(w, body)
		}
		return true
	}
}

// GHCRReferrersRedirect answers every referrers request as GHCR did in
// 2026: 303 See Other to a web API on another origin (another port here),
// which answers 429, rate-limited (artifacthub/hub#4785). It starts that
// API and stops it when the test ends; apiHits counts its requests.
func GHCRReferrersRedirect(t TB) (hook Hook, apiHits *atomic.Int64) {
	t.Helper()
	apiHits = new(atomic.Int64)
	api := wordsWebAPI(t, func(w http.ResponseWriter, r *http.Request) {
		apiHits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-ratelimit-remaining", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"message":"API rate limit exceeded for 127.0.0.1.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`)
	})
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/referrers/") {
			return false
		}
		http.Redirect(w, r, "http://"+api+"/orgs/acme/packages/container/app/versions?referrers="+r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], http.StatusSeeOther)
		return true
	}, apiHits
}

// ReferrersRedirectLoop answers every referrers request with a 303 to
// itself, for ever: a hostile form of [GHCRReferrersRedirect].
func ReferrersRedirectLoop() Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/referrers/") {
			return false
		}
		http.Redirect(w, r, r.URL.Path+"?again", http.StatusSeeOther)
		return true
	}
}

// webAPI serves handler on 127.0.0.1 until the test ends and returns its host:port.
func wordsWebAPI(t TB, handler http.HandlerFunc) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("web API: %v", err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}
