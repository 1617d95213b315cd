package integration

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// Words that only name a credential (a file called passwd, a digest that
// is a path) reach the user whole: the scrubber blots out the values of
// credentials, not the words after "passwd" or "token".
func TestRedactionKeepsWords(t *testing.T) {
	t.Parallel()
	caFile := writeFile(t, "passwd", "root:x:0:0:root:/root:/bin/sh\n")
	mt(t, "--ca-file", caFile, "inspect", "127.0.0.1:1/app:1").fails(t, 2,
		fmt.Sprintf(`error: --ca-file %q: no PEM certificate in it`, caFile))

	// a layout whose index names a digest that is a path
	dir := t.TempDir()
	index := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../etc/passwd","size":10,` +
		`"annotations":{"org.opencontainers.image.ref.name":"1"}}]}`
	for name, content := range map[string]string{"oci-layout": `{"imageLayoutVersion":"1.0.0"}`, "index.json": index} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mt(t, "inspect", "ocidir://"+dir+":1").fails(t, 1,
		"error: reading ocidir://"+dir+":1: invalid digest in index: sha256:../etc/passwd: invalid checksum digest length")
}

// A registry that echoes, in its error body, a token server's answer and
// an OAuth2 form with credentials the run never had (so that only their
// shape can give them away): the values are blotted out, the rest of the
// answer is shown.
func TestRedactionOfEchoedCredentials(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "echoform/app", "1", false, linuxAMD64)
	const (
		token = "tok-0123456789abcdef"
		pass  = "Form-Pa55word-9"
	)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method == "PUT" && strings.Contains(req.URL.Path, "/manifests/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"upstream said grant_type=password&username=bob&password=%s; cached {\"access_token\":\"%s\"}"}]}`, pass, token)
			return true
		}
		return false
	})
	res := mt(t, "--plain-http", "--debug", "push", "from-args", "--platforms", "linux/amd64",
		"--template", host+"/echoform/app:1-OS-ARCH", "--target", host+"/echoform/app:2")
	res.fails(t, 1, "error: pushing the index to "+host+"/echoform/app:2: 400 Bad Request "+
		`(DENIED: upstream said grant_type=password&username=bob&password=***; cached {"access_token":"***"})`)
	for _, secret := range []string{token, pass} {
		if strings.Contains(res.stdout+res.stderr, secret) {
			t.Errorf("%q appears in the output", secret)
		}
	}
}
