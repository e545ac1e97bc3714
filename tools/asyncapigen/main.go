// Command asyncapigen generates Go types, JSON schemas, TypeScript types and
// an HTML page from an AsyncAPI 2.1.0 document, and checks that the messages
// of each channel and direction can be told apart.
//
//	asyncapigen -spec specs/x.asyncapi.yaml -pkg x -out gen/x -ts gen/ts/x.ts -html gen/docs/asyncapi/x.html [-check]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

type options struct {
	specPath string
	pkg      string
	outDir   string
	tsPath   string
	htmlPath string
	check    bool

	// wsclientImport is the import path of the clients' runtime package, which
	// is written next to outDir (default: derived from the go.mod above it).
	wsclientImport string
}

func main() {
	var o options
	flag.StringVar(&o.specPath, "spec", "", "AsyncAPI 2.1.0 document (YAML or JSON)")
	flag.StringVar(&o.pkg, "pkg", "", "Go package name (default: base name of -out)")
	flag.StringVar(&o.outDir, "out", "", "directory of the generated Go package")
	flag.StringVar(&o.tsPath, "ts", "", "TypeScript file to write")
	flag.StringVar(&o.htmlPath, "html", "", "HTML documentation page to write")
	flag.StringVar(&o.wsclientImport, "wsclient-import", "", "import path of the client runtime written to <out>/../wsclient (default: from go.mod)")
	flag.BoolVar(&o.check, "check", false, "fail unless every example matches exactly one message schema of its channel and direction")
	flag.Parse()
	if err := run(o, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "asyncapigen:", err)
		os.Exit(1)
	}
}

func run(o options, report io.Writer) error {
	if o.specPath == "" {
		return errors.New("-spec is required")
	}
	if o.outDir == "" && o.tsPath == "" && o.htmlPath == "" && !o.check {
		return errors.New("nothing to do: give -out, -ts, -html or -check")
	}
	if o.pkg == "" {
		o.pkg = "api" // only the Go package needs a name
		if o.outDir != "" {
			o.pkg = filepath.Base(o.outDir)
		}
	}
	doc, err := loadDocument(o.specPath)
	if err != nil {
		return err
	}
	p, err := newPlan(doc, o.pkg)
	if err != nil {
		return fmt.Errorf("%s: %w", doc.SpecBase, err)
	}
	if err := p.writeOutputs(o); err != nil {
		return err
	}
	if !o.check {
		return nil
	}
	problems, err := p.check()
	if err != nil {
		return err
	}
	for _, problem := range problems {
		fmt.Fprintf(report, "%s: %s\n", doc.SpecBase, problem)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %d check problem(s)", doc.SpecBase, len(problems))
	}
	return nil
}
