package main

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// The hub mode publishes an index the way a release job does against a
// registry such as Docker Hub: over TLS (a CA of the bench's own, which
// every tool learns from SSL_CERT_FILE), with bearer tokens scoped per
// repository from a token server that grants push only under the user's
// namespace, credentials from a Docker config, and a round trip of
// hubLatency to the registry and to the token server alike. The members
// are fresh images for every run of every tool, as each release builds
// new ones, for the platforms of the plain-HTTP cases (Go's ports, then
// Windows builds with an os.version each). manifest-tool v2's from-args
// cannot name an os.version (its template has OS, ARCH and VARIANT), so
// where there are some it pushes the same members from a spec.

// hubLatency is the round trip to the registries and their token servers.
const hubLatency = 30 * time.Millisecond

// hubUser owns the namespace lab/ on both registries.
const hubUser, hubPass = "lab", "hub-bench-password"

// hubLayers is the number of layers of each member image.
const hubLayers = 2

// hubTools are the binaries the hub mode runs; empty ones are skipped.
type hubTools struct {
	tool, tool2, crane, regctl, mt2 string
}

// hubCase is where the members are and where the index goes.
type hubCase struct {
	name  string
	title string
	src   *regtest.Registry // holds lab/builds
	dst   *regtest.Registry // receives lab/app
	// others receive lab/app too (the targets case); their traffic is
	// counted with dst's
	others []*regtest.Registry
}

// hubRow is one tool doing one case, run after run.
type hubRow struct {
	tool    string
	n       int
	walls   []time.Duration
	traffic regtest.Traffic // of the last run, both registries summed
	rssKB   int64           // the largest of all runs
	scopes  map[string]bool // asked of the token servers, over all runs
	err     string          // why the tool could not do the work
}

// hubJob is one row of a case: the commands of one run, given the run's
// work and id, and their environment.
type hubJob struct {
	row  string
	slug string // in the run's id, which members' and target's tags carry
	cmds func(s hubSpec, id string) ([][]string, error)
	env  []string
	// label, when set, names the row for the work (default: row)
	label func(s hubSpec) string
}

func hub(tools hubTools, sizes []int, runs, targets int) error {
	dir, err := os.MkdirTemp("", "bench-hub")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var regs []*regtest.Registry
	for range max(2, targets) {
		r, err := regtest.Start(regtest.Options{TLS: true, Token: true, Users: map[string]string{hubUser: hubPass}, UserNamespaces: true, RealmHost: "localhost"})
		if err != nil {
			return err
		}
		defer r.Close()
		regs = append(regs, r)
	}
	env, cfgDir, err := hubEnv(dir, regs)
	if err != nil {
		return err
	}
	cases := []hubCase{
		{name: "a", title: "members in lab/builds, the index to lab/app on the same registry: blobs mounted", src: regs[0], dst: regs[0]},
		{name: "b", title: "members in lab/builds on another registry, the index to lab/app: blobs copied", src: regs[1], dst: regs[0]},
	}
	plats := platforms(slicesMax(sizes)) // those of the plain-HTTP cases
	fmt.Printf("hub: TLS (CA in SSL_CERT_FILE), bearer tokens scoped per repository, credentials in a Docker config, "+
		"%s round trip to registries and token servers (and per new connection its TCP and TLS handshakes); "+
		"registries %s and %s; %d runs per case, fresh members of %d layers for every run, 2 extra tags\n\n",
		hubLatency, regs[0].Host, regs[1].Host, runs, hubLayers)
	if targets > 1 {
		return hubTargets(tools, env, regs, sizes, runs, dir)
	}

	jobs := hubJobs(tools, env, cfgDir)
	results := map[string][]*hubRow{}
	for _, c := range cases {
		for _, n := range sizes {
			var items []string
			osVersions := false
			for _, p := range plats[:n] {
				items = append(items, p.item)
				osVersions = osVersions || p.OSVersion != ""
			}
			src := c.src.Host + "/lab/builds"
			tgt := c.dst.Host + "/lab/app"
			spec := hubSpec{items: strings.Join(items, ","), template: src + ":ID-OS-ARCH-VARIANT-OSVERSION",
				template2: src + ":ID-OS-ARCH", osVersions: osVersions, target: tgt, dir: dir}
			for _, p := range plats[:n] {
				spec.members = append(spec.members, src+":ID-"+p.tag)
			}
			var again *hubRow
			for _, job := range jobs {
				row := &hubRow{tool: job.row, n: n, scopes: map[string]bool{}}
				if job.label != nil {
					row.tool = job.label(spec)
				}
				if job.row == "manifest-tool" {
					again = &hubRow{tool: "manifest-tool (again)", n: n, scopes: map[string]bool{}}
				}
				for k := 0; k < runs && row.err == ""; k++ {
					id := fmt.Sprintf("%s%d-%s-%d", c.name, n, job.slug, k)
					if err := seed(c.src, id, plats[:n]); err != nil {
						return err
					}
					cmds, err := job.cmds(spec.expand(id), id)
					if err != nil {
						return err
					}
					measure(row, c, cmds, job.env)
					if again != nil && row.err == "" {
						measure(again, c, cmds, job.env) // the same spec once more
					}
				}
				results[c.name] = append(results[c.name], row)
				if again != nil {
					if len(again.walls) == 0 && again.err == "" {
						again.err = "not run: the first push failed"
					}
					results[c.name] = append(results[c.name], again)
					again = nil
				}
				fmt.Fprintf(os.Stderr, "  hub %s %-27s N=%-3d %s\n", c.name, row.tool, n, row.summary())
			}
		}
	}
	for _, c := range cases {
		printHubTable(c, results[c.name])
	}
	return nil
}

// hubSpec is the work of a case, with "ID" standing for the run's id.
type hubSpec struct {
	items      string   // --platforms
	template   string   // --template
	template2  string   // --template for manifest-tool v2, which has no OSVERSION
	osVersions bool     // some platforms have an os.version, which v2's from-args cannot name
	dir        string   // for files the commands read
	members    []string // the member references, in --platforms order
	target     string   // the repository the index goes to
}

// expand puts the run's id in; the commands of a run take these.
func (s hubSpec) expand(id string) hubSpec {
	out := s
	out.template = strings.Replace(s.template, ":ID-", ":"+id+"-", 1)
	out.template2 = strings.Replace(s.template2, ":ID-", ":"+id+"-", 1)
	out.members = nil
	for _, m := range s.members {
		out.members = append(out.members, strings.Replace(m, ":ID-", ":"+id+"-", 1))
	}
	out.target = s.target + ":" + id
	return out
}

// hubJobs lists the rows of a case: the same work by each tool.
func hubJobs(tools hubTools, env []string, cfgDir string) []hubJob {
	ours := func(bin string) func(s hubSpec, id string) ([][]string, error) {
		return func(s hubSpec, id string) ([][]string, error) {
			return [][]string{{bin, "push", "--type", "oci", "from-args", "--platforms", s.items,
				"--template", s.template, "--target", s.target, "--tags", id + "-a," + id + "-b"}}, nil
		}
	}
	jobs := []hubJob{
		{row: "manifest-tool", slug: "mt", cmds: ours(tools.tool), env: env},
		{row: "manifest-tool HTTP/1.1", slug: "mt-h1", cmds: ours(tools.tool), env: append(append([]string{}, env...), "GODEBUG=http2client=0")},
	}
	if tools.tool2 != "" {
		jobs = append(jobs, hubJob{row: "manifest-tool (other build)", slug: "mt-other", cmds: ours(tools.tool2), env: env})
	}
	if tools.crane != "" {
		jobs = append(jobs, hubJob{row: "crane", slug: "crane", env: env, cmds: func(s hubSpec, id string) ([][]string, error) {
			create := []string{tools.crane, "index", "append", "-t", s.target}
			for _, m := range s.members {
				create = append(create, "-m", m)
			}
			return [][]string{create, {tools.crane, "tag", s.target, id + "-a"}, {tools.crane, "tag", s.target, id + "-b"}}, nil
		}})
	}
	if tools.regctl != "" {
		jobs = append(jobs, hubJob{row: "regctl", slug: "regctl", env: env, cmds: func(s hubSpec, id string) ([][]string, error) {
			create := []string{tools.regctl, "index", "create", s.target}
			for _, m := range s.members {
				create = append(create, "--ref", m)
			}
			return [][]string{create, {tools.regctl, "image", "copy", s.target, s.target + "-a"},
				{tools.regctl, "image", "copy", s.target, s.target + "-b"}}, nil
		}})
	}
	if tools.mt2 != "" {
		// from-args when its template can name every member, else the
		// same members in a spec (the platform from each config)
		jobs = append(jobs, hubJob{row: "manifest-tool v2.1.9", slug: "mt2", env: env, cmds: func(s hubSpec, id string) ([][]string, error) {
			if !s.osVersions {
				return [][]string{{tools.mt2, "--docker-cfg", cfgDir, "push", "--type", "oci", "from-args", "--platforms", s.items,
					"--template", s.template2, "--target", s.target, "--tags", id + "-a," + id + "-b"}}, nil
			}
			file := filepath.Join(s.dir, id+".yaml")
			var b strings.Builder
			fmt.Fprintf(&b, "image: %s\ntags: [%s-a, %s-b]\nmanifests:\n", s.target, id, id)
			for _, m := range s.members {
				fmt.Fprintf(&b, "  - image: %s\n", m)
			}
			if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
				return nil, err
			}
			return [][]string{{tools.mt2, "--docker-cfg", cfgDir, "push", "--type", "oci", "from-spec", file}}, nil
		}, label: func(s hubSpec) string {
			if s.osVersions {
				return "manifest-tool v2.1.9 from-spec"
			}
			return "manifest-tool v2.1.9"
		}})
	}
	return jobs
}

// measure runs one run's commands with the latency on, and adds what it
// took to row: wall time, peak RSS, the requests both registries saw
// (those of the last run are kept) and the scopes asked for.
func measure(row *hubRow, c hubCase, cmds [][]string, env []string) {
	regs := []*regtest.Registry{c.dst}
	if c.src != c.dst {
		regs = append(regs, c.src)
	}
	regs = append(regs, c.others...)
	for _, r := range regs {
		r.Traffic()
		r.TokenScopes()
		r.SetLatency(hubLatency)
	}
	var wall time.Duration
	for _, args := range cmds {
		w, rss, err := timed(env, args)
		if err != nil {
			row.err = lastLine([]byte(err.Error()))
			if _, msg, ok := strings.Cut(row.err, ` msg="`); ok { // logrus' fatal line
				row.err = strings.TrimSuffix(msg, `"`)
			}
			if len(row.err) > 160 {
				row.err = row.err[:157] + "..."
			}
			break
		}
		wall += w
		row.rssKB = max(row.rssKB, rss)
	}
	var t regtest.Traffic
	for i, r := range regs {
		r.SetLatency(0)
		t.Add(r.Traffic())
		for _, s := range r.TokenScopes() {
			_, scope, _ := strings.Cut(s, " ") // "user repository:name:actions"
			if i == 1 && c.src != c.dst {
				scope += " (source registry)"
			} else if i > 0 {
				scope += fmt.Sprintf(" (registry %d)", i+1)
			}
			row.scopes[scope] = true
		}
	}
	if row.err == "" {
		row.walls = append(row.walls, wall)
		row.traffic = t
	}
}

// seed pushes a fresh image for each platform to lab/builds, tagged
// id-<os>-<arch><variant>, with no latency.
func seed(reg *regtest.Registry, id string, plats []platform) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	work := make(chan platform)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				img := regtest.NewLayeredImage(p.Platform, hubLayers)
				if err := reg.PushImage("lab/builds", id+"-"+p.tag, img); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range plats {
		work <- p
	}
	close(work)
	wg.Wait()
	return first
}

// hubEnv writes what every tool learns the setup from: the CAs of both
// registries (SSL_CERT_FILE) and a Docker config with the user's
// credentials for both (DOCKER_CONFIG), with a HOME of its own so that no
// tool reads a config of the machine's.
func hubEnv(dir string, regs []*regtest.Registry) (env []string, cfgDir string, err error) {
	var bundle []byte
	auths := map[string]any{}
	for _, r := range regs {
		bundle = append(bundle, r.CACert...)
		auths[r.Host] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(hubUser + ":" + hubPass))}
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, bundle, 0o600); err != nil {
		return nil, "", err
	}
	cfgDir = filepath.Join(dir, "docker")
	home := filepath.Join(dir, "home")
	for _, d := range []string{cfgDir, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, "", err
		}
	}
	cfg, _ := json.Marshal(map[string]any{"auths": auths})
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), cfg, 0o600); err != nil {
		return nil, "", err
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HOME", "DOCKER_CONFIG", "SSL_CERT_FILE", "SSL_CERT_DIR", "GODEBUG", "REGCTL_CONFIG", "XDG_CONFIG_HOME":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home, "DOCKER_CONFIG="+cfgDir, "SSL_CERT_FILE="+caFile)
	return env, cfgDir, nil
}

func (r *hubRow) summary() string {
	if r.err != "" {
		return "failed: " + r.err
	}
	m := measurement{walls: r.walls}
	return fmt.Sprintf("%s, %d requests + %d token", m.median().Round(time.Millisecond), regtest.Total(r.traffic.Requests), r.traffic.Tokens)
}

// hubColumns are the request classes the tables show, in order.
var hubColumns = []struct{ head, class string }{
	{"GET /v2/", "GET /v2/"},
	{"HEAD blobs", "HEAD blobs"},
	{"GET blobs", "GET blobs"},
	{"POST uploads: mount (created)", "POST blobs/uploads mount"},
	{"POST uploads: start", "POST blobs/uploads"},
	{"PATCH uploads", "PATCH blobs/uploads"},
	{"PUT uploads", "PUT blobs/uploads"},
	{"HEAD manifests", "HEAD manifests"},
	{"GET manifests", "GET manifests"},
	{"PUT manifests", "PUT manifests"},
}

func printHubTable(c hubCase, rows []*hubRow) {
	fmt.Printf("\nhub case (%s): %s, %s round trip\n\n", c.name, c.title, hubLatency)
	head := "| N | tool | wall time, median (min–max) | registry requests |"
	sep := "| ---: | --- | --- | ---: |"
	for _, col := range hubColumns {
		head += " " + col.head + " |"
		sep += " ---: |"
	}
	fmt.Println(head + " other | 401 answers | token requests | connections | over HTTP/2 | peak RSS |")
	fmt.Println(sep + " --- | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		if r.err != "" {
			fmt.Printf("| %d | %s | failed: %s |%s\n", r.n, r.tool, strings.ReplaceAll(r.err, "|", "\\|"), strings.Repeat(" |", len(hubColumns)+7))
			continue
		}
		m := measurement{walls: r.walls}
		lo, hi := m.spread()
		t := r.traffic
		line := fmt.Sprintf("| %d | %s | %s (%s–%s) | %d |", r.n, r.tool, m.median().Round(time.Millisecond),
			lo.Round(time.Millisecond), hi.Round(time.Millisecond), regtest.Total(t.Requests))
		shown := map[string]bool{}
		for _, col := range hubColumns {
			shown[col.class] = true
			v := fmt.Sprint(t.Requests[col.class])
			if col.class == "POST blobs/uploads mount" && t.Requests[col.class] > 0 {
				v += fmt.Sprintf(" (%d)", t.Mounted)
			}
			line += " " + v + " |"
		}
		other := map[string]int{}
		for k, v := range t.Requests {
			if !shown[k] {
				other[k] = v
			}
		}
		o := "0"
		if len(other) > 0 {
			o = regtest.Describe(other)
		}
		fmt.Printf("%s %s | %d | %d | %d | %d | %.1f MB |\n", line, o, t.Unauthorized, t.Tokens, t.Conns, t.HTTP2, float64(r.rssKB)/1024)
	}
	fmt.Println()
	fmt.Println("scopes asked of the token servers, over all runs:")
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.tool] {
			continue
		}
		seen[r.tool] = true
		var scopes []string
		for s := range r.scopes {
			scopes = append(scopes, "`"+s+"`")
		}
		sort.Strings(scopes)
		fmt.Printf("- %s: %s\n", r.tool, strings.Join(scopes, ", "))
	}
}
