package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// The hub targets case publishes one index to several targets, one per
// registry (the first holds the members, so its blobs are mounted; the
// others get them copied), the way a release job pushes to Docker Hub,
// GHCR and a registry of its own. Rows: manifest-tool to the first
// target alone (the reference); to all of them in one run (--target
// repeated: the members are read once); the same with three times the
// default requests at once per registry (what that limit costs); run
// once per target, which stands in for a release job that runs buildx
// imagetools create once per image name (docker/github-builder does),
// and is not buildx itself; and crane and regctl run once per target.

// hubTargetJobs lists the rows of the targets case.
func hubTargetJobs(tools hubTools, env []string, targets []*regtest.Registry) []hubJob {
	repos := func(s hubSpec, id string) []string {
		var out []string
		for _, r := range targets {
			out = append(out, r.Host+"/lab/app:"+id)
		}
		return out
	}
	ours := func(s hubSpec, targets []string, id string) []string {
		args := []string{tools.tool, "push", "--type", "oci", "from-args", "--platforms", s.items, "--template", s.template}
		for _, t := range targets {
			args = append(args, "--target", t)
		}
		return append(args, "--tags", id+"-a,"+id+"-b")
	}
	perTarget := func(one func(s hubSpec, target, id string) [][]string) func(s hubSpec, id string) ([][]string, error) {
		return func(s hubSpec, id string) ([][]string, error) {
			var cmds [][]string
			for _, t := range repos(s, id) {
				cmds = append(cmds, one(s, t, id)...)
			}
			return cmds, nil
		}
	}
	n := len(targets)
	jobs := []hubJob{
		{row: "manifest-tool, 1 target", slug: "mt1", env: env, cmds: func(s hubSpec, id string) ([][]string, error) {
			return [][]string{ours(s, repos(s, id)[:1], id)}, nil
		}},
		{row: fmt.Sprintf("manifest-tool, %d targets in one run", n), slug: "mtn", env: env, cmds: func(s hubSpec, id string) ([][]string, error) {
			return [][]string{ours(s, repos(s, id), id)}, nil
		}},
		{row: fmt.Sprintf("manifest-tool, %d targets in one run, --concurrency 48", n), slug: "mtc", env: env, cmds: func(s hubSpec, id string) ([][]string, error) {
			args := ours(s, repos(s, id), id)
			return [][]string{append([]string{args[0], "--concurrency", "48"}, args[1:]...)}, nil
		}},
		{row: fmt.Sprintf("manifest-tool run %d times, a target each", n), slug: "mtx", env: env, cmds: perTarget(func(s hubSpec, t, id string) [][]string {
			return [][]string{ours(s, []string{t}, id)}
		})},
	}
	if tools.crane != "" {
		jobs = append(jobs, hubJob{row: fmt.Sprintf("crane run %d times", n), slug: "crane", env: env, cmds: perTarget(func(s hubSpec, t, id string) [][]string {
			create := []string{tools.crane, "index", "append", "-t", t}
			for _, m := range s.members {
				create = append(create, "-m", m)
			}
			return [][]string{create, {tools.crane, "tag", t, id + "-a"}, {tools.crane, "tag", t, id + "-b"}}
		})})
	}
	if tools.regctl != "" {
		jobs = append(jobs, hubJob{row: fmt.Sprintf("regctl run %d times", n), slug: "regctl", env: env, cmds: perTarget(func(s hubSpec, t, id string) [][]string {
			create := []string{tools.regctl, "index", "create", t}
			for _, m := range s.members {
				create = append(create, "--ref", m)
			}
			return [][]string{create, {tools.regctl, "image", "copy", t, t + "-a"}, {tools.regctl, "image", "copy", t, t + "-b"}}
		})})
	}
	return jobs
}

// hubTargets runs the targets case for each size: the members in
// lab/builds on regs[0], the index to lab/app on every registry of regs.
func hubTargets(tools hubTools, env []string, regs []*regtest.Registry, sizes []int, runs int, dir string) error {
	c := hubCase{name: "t", src: regs[0], dst: regs[0], others: regs[1:],
		title: fmt.Sprintf("members in lab/builds, the index to lab/app on %d registries (the first the members', blobs mounted; the others', blobs copied)", len(regs))}
	plats := platforms(slicesMax(sizes))
	var rows []*hubRow
	for _, n := range sizes {
		var items []string
		for _, p := range plats[:n] {
			items = append(items, p.item)
		}
		src := c.src.Host + "/lab/builds"
		spec := hubSpec{items: strings.Join(items, ","), template: src + ":ID-OS-ARCH-VARIANT-OSVERSION", dir: dir}
		for _, p := range plats[:n] {
			spec.members = append(spec.members, src+":ID-"+p.tag)
		}
		for _, job := range hubTargetJobs(tools, env, regs) {
			row := &hubRow{tool: job.row, n: n, scopes: map[string]bool{}}
			for k := 0; k < runs && row.err == ""; k++ {
				id := fmt.Sprintf("t%d-%s-%d", n, job.slug, k)
				if err := seed(c.src, id, plats[:n]); err != nil {
					return err
				}
				cmds, err := job.cmds(spec.expand(id), id)
				if err != nil {
					return err
				}
				measure(row, c, cmds, job.env)
			}
			rows = append(rows, row)
			fmt.Fprintf(os.Stderr, "  hub %s %-27s N=%-3d %s\n", c.name, row.tool, n, row.summary())
		}
	}
	printHubTable(c, rows)
	printTargetRatios(rows)
	return nil
}

// printTargetRatios puts each row's median wall time next to the first
// row's (one target), per size.
func printTargetRatios(rows []*hubRow) {
	fmt.Println()
	base := map[int]time.Duration{}
	for _, r := range rows {
		if r.err != "" {
			continue
		}
		m := measurement{walls: r.walls}.median()
		if _, ok := base[r.n]; !ok {
			base[r.n] = m
		}
		fmt.Printf("- N=%d %s: %s, %.2fx the wall time of one target\n", r.n, r.tool, m.Round(time.Millisecond), float64(m)/float64(base[r.n]))
	}
}
