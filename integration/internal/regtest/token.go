package regtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/distribution/distribution/v3/registry/auth/token"
	"github.com/go-jose/go-jose/v4"
)

// issuer is a token server in the style of Docker Hub's auth service: it
// checks basic credentials and hands out short-lived JWTs, signed by a key
// the registry trusts, for the scopes asked for.
type issuer struct {
	users   map[string]string
	refresh map[string]string // identity (refresh) token -> user
	key     *ecdsa.PrivateKey
	kid     string
	srv     *http.Server
	url     string
	service string
	// namespaces: push and delete only under "<user>/" (Options.UserNamespaces)
	namespaces bool
	grant      TokenGrant // narrows what a token grants; nil: as asked

	mu     sync.Mutex
	scopes []string // "user repository:name:actions", in order asked
	tokens []string // every token handed out
}

const tokenService = "regtest"
const tokenIssuer = "regtest-issuer"

// startIssuer starts a token server on 127.0.0.1 (over TLS with a
// certificate from authority, when there is one) and writes the
// certificate of its signing key to dir, for the registry to trust.
func startIssuer(users map[string]string, identityToken, dir string, authority *ca, l *link, namespaces bool, realmHost string) (*issuer, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: tokenIssuer},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, "", err
	}
	bundle := filepath.Join(dir, "token-signer.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, "", err
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	ln := l.listen(raw)
	if realmHost == "" {
		realmHost = "127.0.0.1"
	}
	realm := net.JoinHostPort(realmHost, strconv.Itoa(raw.Addr().(*net.TCPAddr).Port))
	refresh := map[string]string{}
	if identityToken != "" {
		for u := range users {
			refresh[identityToken] = u
		}
	}
	is := &issuer{users: users, refresh: refresh, key: key, kid: token.GetJWKThumbprint(&key.PublicKey), url: "http://" + realm + "/token", service: tokenService, namespaces: namespaces}
	is.srv = &http.Server{Handler: l.serve(http.HandlerFunc(is.serve), true), ReadHeaderTimeout: 10 * time.Second}
	if authority == nil {
		go is.srv.Serve(ln)
		return is, bundle, nil
	}
	cert, err := authority.serverCert(ln.Addr().(*net.TCPAddr).IP)
	if err != nil {
		ln.Close()
		return nil, "", err
	}
	is.url = "https://" + realm + "/token"
	is.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	go is.srv.ServeTLS(ln, "", "")
	return is, bundle, nil
}

func (is *issuer) serve(w http.ResponseWriter, r *http.Request) {
	// GET with basic auth (Docker's token protocol), or POST of a form with
	// a password or a refresh (identity) token (OAuth2)
	user, pass, ok := r.BasicAuth()
	if r.Method == "POST" {
		_ = r.ParseForm()
		switch r.PostForm.Get("grant_type") {
		case "password":
			user, pass, ok = r.PostForm.Get("username"), r.PostForm.Get("password"), true
		case "refresh_token":
			user, ok = is.refresh[r.PostForm.Get("refresh_token")]
			pass = is.users[user]
		}
	}
	if !ok || is.users[user] == "" || is.users[user] != pass {
		w.Header().Set("WWW-Authenticate", `Basic realm="regtest-issuer"`)
		http.Error(w, `{"details":"incorrect username or password"}`, http.StatusUnauthorized)
		return
	}
	scopes := r.URL.Query()["scope"]
	if r.Method == "POST" {
		scopes = []string{r.PostForm.Get("scope")}
	}
	var access []*token.ResourceActions
	for _, scope := range scopes {
		// repository:name:pull,push (several may be space-separated)
		for _, sc := range strings.Fields(scope) {
			parts := strings.Split(sc, ":")
			if len(parts) < 3 {
				continue
			}
			name := strings.Join(parts[1:len(parts)-1], ":")
			actions := strings.Split(parts[len(parts)-1], ",")
			sort.Strings(actions)
			granted := actions
			if is.namespaces && parts[0] == "repository" && !strings.HasPrefix(name, user+"/") {
				granted = nil
				for _, a := range actions {
					if a == "pull" {
						granted = append(granted, a)
					}
				}
			}
			access = append(access, &token.ResourceActions{Type: parts[0], Name: name, Actions: granted})
			is.mu.Lock()
			is.scopes = append(is.scopes, user+" "+parts[0]+":"+name+":"+strings.Join(actions, ","))
			is.mu.Unlock()
		}
	}
	if is.grant != nil {
		access = is.grant(user, access)
	}
	now := time.Now()
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	claims := token.ClaimSet{Issuer: tokenIssuer, Subject: user, Audience: token.AudienceList{tokenService},
		Expiration: now.Add(5 * time.Minute).Unix(), NotBefore: now.Add(-time.Minute).Unix(), IssuedAt: now.Unix(),
		JWTID: hex.EncodeToString(nonce), Access: access}
	payload, _ := json.Marshal(claims)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: is.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", is.kid))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sig, err := signer.Sign(payload)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	raw, _ := sig.CompactSerialize()
	is.mu.Lock()
	is.tokens = append(is.tokens, raw)
	is.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": raw, "access_token": raw, "expires_in": 300, "issued_at": now.Format(time.RFC3339)})
}

// TokenScopes lists the scopes the token server was asked for, as
// "user repository:name:actions", and forgets them.
func (r *Registry) TokenScopes() []string {
	if r.issuer == nil {
		return nil
	}
	r.issuer.mu.Lock()
	defer r.issuer.mu.Unlock()
	out := r.issuer.scopes
	r.issuer.scopes = nil
	return out
}

// TokenHost is the host:port of the token server, as the realm the
// registry hands out names it; "" without one.
func (r *Registry) TokenHost() string {
	if r.issuer == nil {
		return ""
	}
	u, err := url.Parse(r.issuer.url)
	if err != nil {
		return ""
	}
	return u.Host
}

// Tokens lists every token the token server handed out.
func (r *Registry) Tokens() []string {
	if r.issuer == nil {
		return nil
	}
	r.issuer.mu.Lock()
	defer r.issuer.mu.Unlock()
	return append([]string(nil), r.issuer.tokens...)
}
