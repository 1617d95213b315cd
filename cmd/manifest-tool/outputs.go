package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// outputFileFlags are the flags of what a push gives the next step of a
// pipeline, besides stdout.
func outputFileFlags() []cli.Flag {
	return []cli.Flag{
		&cli.PathFlag{Name: "metadata-file", Usage: "write the digest to `FILE` as buildx does"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print Digest: lines (or JSON), errors"},
	}
}

// pipeOutputs are the files a push writes for the next step: the
// --metadata-file, and $GITHUB_OUTPUT's step outputs ("" when not wanted).
type pipeOutputs struct {
	metadata, github string
}

// pipeOutputsOf checks, before any request, that the files can be
// written: --metadata-file is refused (exit 2) when it names a directory
// or something other than a file, a folder that does not exist or cannot
// be written, or when the run pushes several documents, which may be
// several indexes (one file describes one); a $GITHUB_OUTPUT that cannot
// be appended to is a warning, and no step outputs.
func (env *environment) pipeOutputsOf(c *cli.Context, documents int) (pipeOutputs, error) {
	var o pipeOutputs
	if c.IsSet("metadata-file") {
		o.metadata = c.Path("metadata-file")
		if documents > 1 {
			return o, usagef("--metadata-file describes one index, and the spec has %d documents: push them in separate runs, or list the targets of one index under targets:", documents)
		}
		if err := checkWritable(o.metadata, false); err != nil {
			return o, usagef("--metadata-file %q: %v", o.metadata, err)
		}
	}
	if o.github = os.Getenv("GITHUB_OUTPUT"); o.github != "" {
		if err := checkWritable(o.github, true); err != nil {
			env.log.Warnf("GITHUB_OUTPUT=%q: %v; the step outputs digest and refs are not written", o.github, err)
			o.github = ""
		}
	}
	return o, nil
}

// checkWritable says why path cannot be written (appended to, with
// appending): it is a directory or not a regular file, or its folder
// does not exist or refuses a new file. Replacing the file creates one
// beside it, so the folder is tried.
func checkWritable(path string, appending bool) error {
	if path == "" || path == "-" {
		return errors.New("want the path of a file (stdout carries the Digest: lines; -o json prints the JSON there)")
	}
	if fi, err := os.Stat(path); err == nil {
		switch {
		case fi.IsDir():
			return errors.New("is a directory; want the path of a file in it")
		case !fi.Mode().IsRegular():
			return errors.New("is not a regular file")
		case appending:
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			return f.Close()
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("the folder %s does not exist", dir)
	}
	f, err := os.CreateTemp(dir, ".manifest-tool-*")
	if err != nil {
		return fmt.Errorf("the folder %s cannot be written: %v", dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// write writes the outputs of a run that pushed every target: the
// metadata file, whole or not at all, and the step outputs, appended.
func (o pipeOutputs) write(env *environment, results []manifest.Result) error {
	if o.github != "" {
		digest, refs, err := manifest.Pushed(results)
		if err != nil {
			env.log.Warnf("GITHUB_OUTPUT: no digest output: %v", err)
			digest = ""
		}
		if err := appendFile(o.github, manifest.StepOutputs(digest, refs, delimiter)); err != nil {
			env.log.Warnf("GITHUB_OUTPUT=%q: %v; the step outputs are not written", o.github, err)
		}
	}
	if o.metadata == "" {
		return nil
	}
	md, err := manifest.MetadataOf(results)
	if err != nil {
		return fmt.Errorf("--metadata-file %q not written: %w", o.metadata, err)
	}
	b, _ := json.MarshalIndent(md, "", "  ")
	if err := replaceFile(o.metadata, append(b, '\n')); err != nil {
		return fmt.Errorf("--metadata-file %q not written: %w", o.metadata, err)
	}
	return nil
}

// delimiter is a heredoc delimiter for a step output that no value
// can guess.
func delimiter() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "manifest-tool_" + hex.EncodeToString(b)
}

// appendFile appends s to the file at path, creating it.
func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, s)
	return errors.Join(err, f.Close())
}

// replaceFile writes b to path whole or not at all: into a new file in
// the same folder, then renamed over path, so that a reader sees the
// old file or the new one. A symbolic link is followed: the file it
// points at is replaced.
func replaceFile(path string, b []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	err = errors.Join(err, f.Chmod(0o644), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
