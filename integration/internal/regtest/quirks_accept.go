package regtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
)

// Registry behaviours where a registry deviates from the distribution
// spec in what it answers, and still works: each a Hook for a FaultProxy
// in front of the Registry, which does the work and whose answer the hook
// rewrites.

// rewritten is a Hook that passes the requests match picks on to target
// and hands their answers back as edit makes them; others go on as usual.
func rewritten(target *Registry, match func(*http.Request) bool, edit func(*http.Response)) Hook {
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: target.Host})
	rp.ModifyResponse = func(resp *http.Response) error {
		edit(resp)
		return nil
	}
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !match(r) {
			return false
		}
		rp.ServeHTTP(w, r)
		return true
	}
}

func isManifestPut(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/")
}

func isManifestHead(r *http.Request) bool {
	return r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/")
}

// ManifestPutAnswers answers status (200 or 202) where the registry
// answers a manifest PUT 201, without Docker-Content-Digest, having stored
// it: registries of Docker's early v2 days answered 202 and 200, and
// Docker takes any 2xx (distribution/distribution#142, moby/moby#10403);
// crane takes 202.
func ManifestPutAnswers(target *Registry, status int) Hook {
	return rewritten(target, isManifestPut, func(resp *http.Response) {
		if resp.StatusCode == http.StatusCreated {
			resp.StatusCode, resp.Status = status, strconv.Itoa(status)+" "+http.StatusText(status)
			resp.Header.Del("Docker-Content-Digest")
		}
	})
}

// BlobPutAnswers200 answers 200 OK where the registry answers the last PUT
// of a blob upload 201, having stored the blob (distribution/distribution#142,
// moby/moby#10403: Docker takes any 2xx).
func BlobPutAnswers200(target *Registry) Hook {
	return rewritten(target, func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/")
	}, func(resp *http.Response) {
		if resp.StatusCode == http.StatusCreated {
			resp.StatusCode, resp.Status = http.StatusOK, "200 OK"
		}
	})
}

// MountAnswers200 answers 200 OK where the registry answers a blob mount
// 201 (mounted), the blob mounted (distribution/distribution#142,
// moby/moby#10403: Docker takes any 2xx).
func MountAnswers200(target *Registry) Hook {
	return rewritten(target, func(r *http.Request) bool {
		return r.Method == http.MethodPost && r.URL.Query().Get("mount") != ""
	}, func(resp *http.Response) {
		if resp.StatusCode == http.StatusCreated {
			resp.StatusCode, resp.Status = http.StatusOK, "200 OK"
		}
	})
}

// HeadWithoutType answers a manifest HEAD without Content-Type and
// Content-Length, its Docker-Content-Digest kept, as Harbor before 2.1.3
// did (goharbor/harbor#13740); the GET answers as usual.
func HeadWithoutType(target *Registry) Hook {
	return rewritten(target, isManifestHead, func(resp *http.Response) {
		resp.Header.Del("Content-Type")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	})
}

// HeadOctetStream answers a manifest HEAD with Content-Type
// application/octet-stream and no Docker-Content-Digest, as Artifactory
// does when the Accept header names no manifest type it holds (issue 30,
// "Accept what registries really answer"); the GET answers as usual.
func HeadOctetStream(target *Registry) Hook {
	return rewritten(target, isManifestHead, func(resp *http.Response) {
		resp.Header.Set("Content-Type", "application/octet-stream")
		resp.Header.Del("Docker-Content-Digest")
	})
}

// RefuseMixedLists answers 400 MANIFEST_INVALID to the PUT of a list or
// index whose entries mix Docker and OCI image manifests, as Quay did
// until quay/quay#6070 (2026: its OCI index loader knew only OCI child
// types), and as Nexus and Google Artifact Registry do today (issue 30's
// survey of registries).
func RefuseMixedLists() Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !isManifestPut(r) || r.ContentLength > 1<<20 {
			return false
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return false
		}
		var idx struct {
			Manifests []struct {
				MediaType string `json:"mediaType"`
			} `json:"manifests"`
		}
		_ = json.Unmarshal(body, &idx)
		docker, oci := false, false
		for _, m := range idx.Manifests {
			docker = docker || strings.HasPrefix(m.MediaType, "application/vnd.docker.")
			oci = oci || strings.HasPrefix(m.MediaType, "application/vnd.oci.")
		}
		if !docker || !oci {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":{"message":"Could not load manifest list: unsupported child manifest media type"}}]}`)
		return true
	}
}
