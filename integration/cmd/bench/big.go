package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// The big-layer case copies members of large layers from one Distribution
// v3 registry (on disk, plain HTTP) to another and builds an index there,
// as a release job does when its builds land in a registry other than the
// one it publishes to. Each registry sits behind a counting proxy, which
// says how many bytes each tool read from the source and wrote to the
// target; every run writes to a fresh target registry, deleted once
// measured. The floor is what moving the bytes costs and nothing more:
// curl streaming each blob from the source into an upload to the target,
// two blobs at a time, then the manifests and the index. With -big-resume
// every tool runs again while the source proxy cuts every 4th download of
// a layer halfway; a tool that continues a cut download reads half a layer
// more for each cut, one that starts over reads a whole layer more.

// bigShape is the work: members of layers layers of size bytes each.
type bigShape struct {
	members, layers int
	size            int64
}

func (s bigShape) total() int64 { return int64(s.members*s.layers) * s.size }

func (s bigShape) String() string {
	return fmt.Sprintf("%d members × %d layers × %s = %s of layers", s.members, s.layers, mb(s.size), mb(s.total()))
}

// parseBig reads MEMBERSxLAYERSxSIZE ("4x3x200MB"), SIZE in bytes or with
// KB, MB or GB (powers of 1024); "" or "0" is no case (ok false).
func parseBig(s string) (shape bigShape, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return bigShape{}, false, nil
	}
	parts := strings.Split(strings.ToLower(s), "x")
	if len(parts) != 3 {
		return bigShape{}, false, fmt.Errorf("-big %q: want MEMBERSxLAYERSxSIZE, as 4x3x200MB", s)
	}
	if shape.members, err = strconv.Atoi(parts[0]); err != nil || shape.members < 1 {
		return bigShape{}, false, fmt.Errorf("-big %q: members %q: want a whole number above 0", s, parts[0])
	}
	if shape.layers, err = strconv.Atoi(parts[1]); err != nil || shape.layers < 1 {
		return bigShape{}, false, fmt.Errorf("-big %q: layers %q: want a whole number above 0", s, parts[1])
	}
	num, unit := parts[2], int64(1)
	for suffix, u := range map[string]int64{"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30} {
		if strings.HasSuffix(num, suffix) {
			num, unit = strings.TrimSuffix(num, suffix), u
		}
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 {
		return bigShape{}, false, fmt.Errorf("-big %q: size %q: want bytes, or a number with KB, MB or GB", s, parts[2])
	}
	shape.size = int64(n * float64(unit))
	return shape, true, nil
}

// bigTools are the binaries of the big-layer case; empty ones are skipped.
type bigTools struct {
	tool, crane, regctl, skopeo, curl string
}

// bigRow is one tool doing the big-layer case, run after run.
type bigRow struct {
	tool          string
	walls         []time.Duration
	rssKB         int64 // the largest of all runs
	read, written int64 // bytes, of the last run
	cuts          int   // answers cut, in the last run
	err           string
}

func (r *bigRow) median() time.Duration {
	return measurement{walls: r.walls}.median()
}

// bigJob is how one tool does the work from the source (host:port) to
// the target (host:port); it returns the wall time and the peak RSS (KiB).
type bigJob struct {
	tool string
	run  func(ctx context.Context, src, dst string) (time.Duration, int64, error)
}

// bigWork is what the source holds.
type bigWork struct {
	shape  bigShape
	plats  []platform
	images []regtest.Image // one per platform, tagged 1-<tag> in big/src
	layers map[string]bool // the layers' digests
}

const (
	bigSrcRepo  = "big/src"
	bigDstRepo  = "big/app"
	bigIndexTag = "index" // the source's index of the members, for skopeo
	bigTimeout  = 30 * time.Minute
	// bigRSSLimit is the ceiling on manifest-tool's peak RSS (KiB).
	bigRSSLimit = 64 << 10
)

func big(tools bigTools, shape bigShape, runs int, resume bool) error {
	dir, err := os.MkdirTemp("", "bench-big")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return err
	}
	env := append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+home)
	src, err := regtest.Start(regtest.Options{Dir: filepath.Join(dir, "src")})
	if err != nil {
		return err
	}
	defer src.Close()

	start := time.Now()
	work, err := seedBig(src, shape)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	syscall.Sync() // the first run does not pay for writing the source
	fmt.Printf("big layers: %s, from Distribution v3 on disk (plain HTTP, %s) to a fresh one on disk per run, "+
		"each behind a counting proxy; %d run(s) per tool; seeded in %s\n\n", shape, src.Host, runs, time.Since(start).Round(time.Second))

	jobs, notes := bigJobs(tools, env, work)
	clean := runBig(dir, src, work, jobs, runs, false)
	printBigTable(shape, clean, notes)
	if resume {
		cut := runBig(dir, src, work, jobs, 1, true)
		printResumeTable(shape, clean, cut)
	}
	return nil
}

// seedBig pushes an image of shape's layers for each of shape.members
// platforms, two at a time, and an index of them for skopeo.
func seedBig(src *regtest.Registry, shape bigShape) (bigWork, error) {
	w := bigWork{shape: shape, plats: platforms(shape.members), layers: map[string]bool{}}
	w.images = make([]regtest.Image, shape.members)
	errs := forEach(shape.members, 2, func(i int) error {
		img, err := src.PushBigImage(bigSrcRepo, "1-"+w.plats[i].tag, w.plats[i].Platform, shape.layers, shape.size)
		w.images[i] = img
		return err
	})
	if err := errors.Join(errs...); err != nil {
		return w, err
	}
	var descs []regtest.Descriptor
	for _, img := range w.images {
		d := img.Manifest.Descriptor
		d.Platform = &img.Platform
		descs = append(descs, d)
		for _, l := range img.Layers {
			w.layers[l.Digest] = true
		}
	}
	index := regtest.NewIndex(false, descs...)
	return w, src.PutManifest(bigSrcRepo, bigIndexTag, index.MediaType, index.Data)
}

// forEach calls fn for 0..n-1, at most k at once, and returns its errors.
func forEach(n, k int, fn func(i int) error) []error {
	errs := make([]error, n)
	sem := make(chan struct{}, k)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errs
}

// bigJobs lists the tools that are there, and a note for each skipped.
func bigJobs(tools bigTools, env []string, w bigWork) ([]bigJob, []string) {
	var jobs []bigJob
	var notes []string
	command := func(args func(src, dst string) []string) func(ctx context.Context, src, dst string) (time.Duration, int64, error) {
		return func(ctx context.Context, src, dst string) (time.Duration, int64, error) {
			return timedCtx(ctx, env, args(src, dst))
		}
	}
	members := func(src string) []string {
		var out []string
		for _, p := range w.plats {
			out = append(out, src+"/"+bigSrcRepo+":1-"+p.tag)
		}
		return out
	}
	if tools.curl != "" {
		jobs = append(jobs, bigJob{tool: "floor (curl GET into curl PUT, 2 blobs at a time)", run: func(ctx context.Context, src, dst string) (time.Duration, int64, error) {
			return floorCopy(ctx, env, tools.curl, src, dst, w)
		}})
	} else {
		notes = append(notes, "the floor is skipped: no curl in PATH")
	}
	var items []string
	for _, p := range w.plats {
		items = append(items, p.item)
	}
	jobs = append(jobs, bigJob{tool: "manifest-tool", run: command(func(src, dst string) []string {
		return []string{tools.tool, "--plain-http", "push", "--type", "oci", "from-args", "--platforms", strings.Join(items, ","),
			"--template", src + "/" + bigSrcRepo + ":1-OS-ARCH-VARIANT-OSVERSION", "--target", dst + "/" + bigDstRepo + ":1"}
	})})
	if tools.crane != "" {
		jobs = append(jobs, bigJob{tool: "crane index append", run: command(func(src, dst string) []string {
			args := []string{tools.crane, "--insecure", "index", "append", "-t", dst + "/" + bigDstRepo + ":1"}
			for _, m := range members(src) {
				args = append(args, "-m", m)
			}
			return args
		})})
	} else {
		notes = append(notes, "crane is skipped: no -crane")
	}
	if tools.regctl != "" {
		jobs = append(jobs, bigJob{tool: "regctl index create", run: command(func(src, dst string) []string {
			args := []string{tools.regctl, "--host=reg=" + src + ",tls=disabled", "--host=reg=" + dst + ",tls=disabled",
				"index", "create", dst + "/" + bigDstRepo + ":1"}
			for _, m := range members(src) {
				args = append(args, "--ref", m)
			}
			return args
		})})
	} else {
		notes = append(notes, "regctl is skipped: no -regctl")
	}
	if tools.skopeo != "" {
		jobs = append(jobs, bigJob{tool: "skopeo copy --all", run: command(func(src, dst string) []string {
			return []string{tools.skopeo, "copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false",
				"docker://" + src + "/" + bigSrcRepo + ":" + bigIndexTag, "docker://" + dst + "/" + bigDstRepo + ":1"}
		})})
		notes = append(notes, "skopeo cannot build an index: it copies (--all) an index of the members pushed at the source beforehand, "+
			"the same index the others build")
	} else {
		notes = append(notes, "skopeo is skipped: not in PATH")
	}
	return jobs, notes
}

// runBig runs each job runs times, round by round (every job once, then
// again), each run into a fresh target registry, with the source's layer
// downloads cut when cut is set. A job that fails is not run again.
func runBig(dir string, src *regtest.Registry, w bigWork, jobs []bigJob, runs int, cut bool) []*bigRow {
	rows := make([]*bigRow, len(jobs))
	for j, job := range jobs {
		rows[j] = &bigRow{tool: job.tool}
	}
	label := "clean"
	if cut {
		label = "cut"
	}
	for k := range runs {
		for j, job := range jobs {
			row := rows[j]
			if row.err != "" {
				continue
			}
			wall, rss, err := runBigOnce(filepath.Join(dir, fmt.Sprintf("dst-%s-%d-%d", label, j, k)), src, w, job, cut, row)
			if err != nil {
				row.err = shortErr(err)
				fmt.Fprintf(os.Stderr, "  big %-5s %-50s failed: %s\n", label, job.tool, row.err)
				continue
			}
			row.walls = append(row.walls, wall)
			row.rssKB = max(row.rssKB, rss)
			fmt.Fprintf(os.Stderr, "  big %-5s %-50s %s, %.1f MB\n", label, job.tool, wall.Round(10*time.Millisecond), float64(rss)/1024)
		}
	}
	return rows
}

// runBigOnce is one run of a job into a fresh target registry stored in
// dir, which it deletes afterwards; it counts into row what was read and
// written, and checks that the target holds the index and every blob.
func runBigOnce(dir string, src *regtest.Registry, w bigWork, job bigJob, cut bool, row *bigRow) (time.Duration, int64, error) {
	defer func() {
		os.RemoveAll(dir)
		syscall.Sync() // the next run does not pay for this one's writes
	}()
	dst, err := regtest.Start(regtest.Options{Dir: dir})
	if err != nil {
		return 0, 0, err
	}
	defer dst.Close()
	var opts regtest.ProxyOptions
	var cuts atomic.Int32
	if cut {
		var downloads atomic.Int32
		opts.Faults = func(_ int, r *http.Request) regtest.Fault {
			_, dig, ok := strings.Cut(r.URL.Path, "/blobs/")
			if r.Method != http.MethodGet || !ok || !w.layers[dig] || r.Header.Get("Range") != "" {
				return regtest.NoFault
			}
			if downloads.Add(1)%4 == 0 {
				cuts.Add(1)
				return regtest.Cut
			}
			return regtest.NoFault
		}
	}
	in, err := regtest.NewProxy(src.Host, opts)
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	out, err := regtest.NewProxy(dst.Host, regtest.ProxyOptions{})
	if err != nil {
		return 0, 0, err
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), bigTimeout)
	defer cancel()
	wall, rss, err := job.run(ctx, in.Host, out.Host)
	row.read, row.written, row.cuts = sum(in.Read()), sum(out.Written()), int(cuts.Load())
	if err != nil {
		return 0, 0, err
	}
	return wall, rss, checkBig(dst, w)
}

// checkBig reports what the target lacks: the index of every member, and
// each member's blobs.
func checkBig(dst *regtest.Registry, w bigWork) error {
	_, idx, err := dst.GetIndex(bigDstRepo, "1")
	if err != nil {
		return err
	}
	got := map[string]bool{}
	for _, d := range idx.Manifests {
		got[d.Digest] = true
	}
	var problems []string
	for _, img := range w.images {
		if !got[img.Manifest.Digest] {
			problems = append(problems, "the index lacks "+img.Platform.String()+"'s "+img.Manifest.Digest)
		}
		for _, b := range append([]regtest.Descriptor{img.Config.Descriptor}, descriptors(img.Layers)...) {
			if ok, err := dst.HasBlob(bigDstRepo, b.Digest); err != nil || !ok {
				problems = append(problems, "the target lacks blob "+b.Digest)
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("target incomplete: %s", strings.Join(problems, "; "))
	}
	return nil
}

func descriptors(blobs []regtest.Blob) []regtest.Descriptor {
	out := make([]regtest.Descriptor, len(blobs))
	for i, b := range blobs {
		out[i] = b.Descriptor
	}
	return out
}

// floorCopy moves the work with curl alone: for each blob, two at a time,
// a POST starts an upload and `curl GET | curl PUT` streams the blob into
// it; then each manifest and the source's index go the same way. The
// upload is `-T -` (chunked), as `--data-binary @-` would hold each blob
// in memory. Its RSS is the largest of any curl process's.
func floorCopy(ctx context.Context, env []string, curl, src, dst string, w bigWork) (time.Duration, int64, error) {
	start := time.Now()
	var blobs []regtest.Descriptor
	for _, img := range w.images {
		blobs = append(blobs, img.Config.Descriptor)
		blobs = append(blobs, descriptors(img.Layers)...)
	}
	var mu sync.Mutex
	var rss int64
	peak := func(kb int64) {
		mu.Lock()
		rss = max(rss, kb)
		mu.Unlock()
	}
	errs := forEach(len(blobs), 2, func(i int) error {
		b := blobs[i]
		post := exec.CommandContext(ctx, curl, "-sSf", "-X", "POST", "-o", "/dev/null", "-w", "%header{location}",
			"http://"+dst+"/v2/"+bigDstRepo+"/blobs/uploads/")
		post.Env = env
		loc, err := post.Output()
		if err != nil {
			return fmt.Errorf("starting the upload of %s: %w", b.Digest, err)
		}
		u := strings.TrimSpace(string(loc))
		if strings.HasPrefix(u, "/") {
			u = "http://" + dst + u
		}
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		kb, err := curlPipe(ctx, env, curl, "http://"+src+"/v2/"+bigSrcRepo+"/blobs/"+b.Digest, u+sep+"digest="+b.Digest, "application/octet-stream", "", "PUT")
		peak(kb)
		if err != nil {
			return fmt.Errorf("copying blob %s: %w", b.Digest, err)
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		return 0, rss, err
	}
	for _, img := range w.images {
		kb, err := curlPipe(ctx, env, curl, "http://"+src+"/v2/"+bigSrcRepo+"/manifests/"+img.Manifest.Digest,
			"http://"+dst+"/v2/"+bigDstRepo+"/manifests/"+img.Manifest.Digest, img.Manifest.MediaType, img.Manifest.MediaType, "PUT")
		peak(kb)
		if err != nil {
			return 0, rss, fmt.Errorf("copying manifest %s: %w", img.Manifest.Digest, err)
		}
	}
	kb, err := curlPipe(ctx, env, curl, "http://"+src+"/v2/"+bigSrcRepo+"/manifests/"+bigIndexTag,
		"http://"+dst+"/v2/"+bigDstRepo+"/manifests/1", regtest.OCIIndex, regtest.OCIIndex, "PUT")
	peak(kb)
	if err != nil {
		return 0, rss, fmt.Errorf("copying the index: %w", err)
	}
	return time.Since(start), rss, nil
}

// curlPipe runs `curl GET from | curl -T - to`, the second sending what
// the first reads as it reads it, and returns the larger peak RSS (KiB).
func curlPipe(ctx context.Context, env []string, curl, from, to, contentType, accept, method string) (int64, error) {
	get := []string{"-sSf"}
	if accept != "" {
		get = append(get, "-H", "Accept: "+accept)
	}
	down := exec.CommandContext(ctx, curl, append(get, from)...)
	up := exec.CommandContext(ctx, curl, "-sSf", "-X", method, "-T", "-", "-H", "Content-Type: "+contentType, "-H", "Expect:", "-o", "/dev/null", to)
	down.Env, up.Env = env, env
	r, wr, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	var downErr, upErr strings.Builder
	down.Stdout, down.Stderr = wr, &downErr
	up.Stdin, up.Stderr = r, &upErr
	if err := down.Start(); err != nil {
		r.Close()
		wr.Close()
		return 0, err
	}
	err = up.Start()
	r.Close()
	wr.Close()
	if err != nil {
		down.Process.Kill()
		down.Wait()
		return 0, err
	}
	rss, errs := watch(down, up)
	if errs[0] != nil {
		return rss, fmt.Errorf("GET %s: %v: %s", from, errs[0], strings.TrimSpace(downErr.String()))
	}
	if errs[1] != nil {
		return rss, fmt.Errorf("%s %s: %v: %s", method, to, errs[1], strings.TrimSpace(upErr.String()))
	}
	return rss, nil
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// mb writes bytes in MB (2^20 bytes).
func mb(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

var (
	longDigest  = regexp.MustCompile(`(sha256:[0-9a-f]{12})[0-9a-f]{52}`)
	uploadState = regexp.MustCompile(`\?_state=[^"\s]*`)
	localURL    = regexp.MustCompile(`https?://127\.0\.0\.1:[0-9]+`)
)

// shortErr is the gist of a tool's error, for a table cell: its last
// line, digests shortened, no upload state, paths without the bench's
// own hosts.
func shortErr(err error) string {
	s := lastLine([]byte(err.Error()))
	if _, msg, ok := strings.Cut(s, ` msg="`); ok { // logrus' fatal line
		s = strings.TrimSuffix(msg, `"`)
	}
	s = longDigest.ReplaceAllString(s, "$1…")
	s = uploadState.ReplaceAllString(s, "")
	s = localURL.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "|", "/") // a table cell
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

func (r *bigRow) wallCell() string {
	if len(r.walls) == 0 {
		return "—"
	}
	m := measurement{walls: r.walls}
	if len(r.walls) == 1 {
		return m.median().Round(10 * time.Millisecond).String()
	}
	lo, hi := m.spread()
	return fmt.Sprintf("%s (%s–%s)", m.median().Round(10*time.Millisecond), lo.Round(10*time.Millisecond), hi.Round(10*time.Millisecond))
}

func printBigTable(shape bigShape, rows []*bigRow, notes []string) {
	var floor, ours *bigRow
	for _, r := range rows {
		switch {
		case strings.HasPrefix(r.tool, "floor"):
			floor = r
		case r.tool == "manifest-tool":
			ours = r
		}
	}
	fmt.Printf("Big layers, %s:\n\n", shape)
	fmt.Println("| tool | wall time | max RSS | bytes read from source | bytes written to target | vs the floor |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		if r.err != "" {
			fmt.Printf("| %s | failed: %s | | %s | %s | |\n", r.tool, r.err, mb(r.read), mb(r.written))
			continue
		}
		ratio := ""
		if floor != nil && floor.err == "" {
			ratio = fmt.Sprintf("%.2f×", float64(r.median())/float64(floor.median()))
		}
		fmt.Printf("| %s | %s | %.1f MB | %s | %s | %s |\n", r.tool, r.wallCell(), float64(r.rssKB)/1024, mb(r.read), mb(r.written), ratio)
	}
	fmt.Println()
	for _, n := range notes {
		fmt.Println("Note: " + n + ".")
	}
	fmt.Println("Note: the floor streams each blob with `curl GET | curl -T - PUT` after a POST, 2 at a time, then the manifests and the " +
		"source's index; its max RSS is the largest curl process's. Bytes are request and answer bodies, counted at each registry's proxy.")
	fmt.Println()
	speed := "n/a (no floor)"
	if ours == nil || ours.err != "" {
		speed = "FAIL (manifest-tool failed)"
	} else if floor != nil && floor.err == "" {
		ratio := float64(ours.median()) / float64(floor.median())
		speed = fmt.Sprintf("%.2f× — %s", ratio, passFail(ratio <= 1.2))
	}
	memory := "FAIL (manifest-tool failed)"
	if ours != nil && ours.err == "" {
		memory = fmt.Sprintf("%.1f MB — %s", float64(ours.rssKB)/1024, passFail(ours.rssKB <= bigRSSLimit))
	}
	fmt.Printf("Pass conditions (the issue): manifest-tool within 1.2× of the floor's wall time: %s; max RSS at or below 64 MB: %s\n\n", speed, memory)
}

func printResumeTable(shape bigShape, clean, cut []*bigRow) {
	fmt.Printf("Big layers, resumed: the source's proxy cuts every 4th download of a layer halfway (a whole GET, not a Range one); %s:\n\n", shape)
	fmt.Println("| tool | result | wall time | answers cut | bytes read from source | vs its clean run | bytes written to target |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	byTool := map[string]*bigRow{}
	for _, r := range clean {
		byTool[r.tool] = r
	}
	var oursLine string
	for _, r := range cut {
		result, wall := "ok", r.wallCell()
		if r.err != "" {
			result, wall = "failed: "+r.err, "—"
		}
		vs := ""
		if c := byTool[r.tool]; c != nil && c.err == "" && c.read > 0 && r.err == "" {
			vs = fmt.Sprintf("%+.1f%% (%+.1f MB)", 100*float64(r.read-c.read)/float64(c.read), float64(r.read-c.read)/(1<<20))
			if r.tool == "manifest-tool" {
				extra := r.read - c.read
				resumed, restarted := int64(r.cuts)*shape.size/2, int64(r.cuts)*shape.size
				verdict := passFail(r.err == "" && r.cuts > 0 && extra < (resumed+restarted)/2)
				oursLine = fmt.Sprintf("manifest-tool under %d cuts read %s more than its clean run (%+.1f%%); continuing each cut download costs "+
					"%s (%+.1f%%), starting it over %s (%+.1f%%): %s (under the midpoint, %s)", r.cuts, mb(extra), 100*float64(extra)/float64(c.read),
					mb(resumed), 100*float64(resumed)/float64(c.read), mb(restarted), 100*float64(restarted)/float64(c.read), verdict, mb((resumed+restarted)/2))
			}
		}
		fmt.Printf("| %s | %s | %s | %d | %s | %s | %s |\n", r.tool, result, wall, r.cuts, mb(r.read), vs, mb(r.written))
	}
	fmt.Println()
	fmt.Println("Note: a cut answer counts whole in the bytes read (the source sent it whole); the client got about half of it.")
	if oursLine != "" {
		fmt.Println(oursLine)
	}
	fmt.Println()
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}
