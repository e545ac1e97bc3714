package main

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Descriptions are CommonMark with GitHub's extensions (tables above all:
// every spec lists its error codes in one), rendered by goldmark. Raw HTML in
// a description is left out (goldmark's default), and images are shown as
// their alt text, so a page never loads anything from anywhere else.

// headingShift demotes the headings of a description so they nest under the
// page's own (h1 title, h2 sections, h3 channels, ...); it is set per render
// through the parser context.
var headingShiftKey = parser.NewContextKey()

// markdown is the one renderer every description goes through.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(headingShifter{}, 100))),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(imageAsText{}, 100))),
)

// renderMarkdown renders a block description (paragraphs, headings, lists,
// tables, code).
func renderMarkdown(source string, headingShift int) template.HTML {
	return template.HTML(convertMarkdown(source, headingShift)) //nolint:gosec // goldmark escapes text and omits raw HTML
}

// renderCellMarkdown renders a short description shown inside a table cell or
// a line of its own: one paragraph loses its <p>, anything longer stays blocks.
func renderCellMarkdown(source string) template.HTML {
	out := strings.TrimSpace(convertMarkdown(source, 4))
	if inner, ok := strings.CutPrefix(out, "<p>"); ok {
		if inner, ok = strings.CutSuffix(inner, "</p>"); ok && !strings.Contains(inner, "<p>") {
			out = inner
		}
	}
	return template.HTML(out) //nolint:gosec // goldmark escapes text and omits raw HTML
}

func convertMarkdown(source string, headingShift int) string {
	if strings.TrimSpace(source) == "" {
		return ""
	}
	ctx := parser.NewContext()
	ctx.Set(headingShiftKey, headingShift)
	var out bytes.Buffer
	if err := markdown.Convert([]byte(source), &out, parser.WithContext(ctx)); err != nil {
		// Converting into a bytes.Buffer fails only on a renderer bug: show the text.
		return "<pre>" + template.HTMLEscapeString(source) + "</pre>\n"
	}
	return out.String()
}

// headingShifter demotes every heading by the context's shift (at most h6).
type headingShifter struct{}

func (headingShifter) Transform(doc *ast.Document, _ text.Reader, pc parser.Context) {
	shift, _ := pc.Get(headingShiftKey).(int)
	if shift == 0 {
		return
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(h.Level+shift, 6)
		}
		return ast.WalkContinue, nil
	})
}

// imageAsText renders an image as its alt text in a span, so no description
// makes the page fetch a picture (from the server or elsewhere).
type imageAsText struct{}

func (imageAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindImage, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString(`<span class="image-alt">`)
		} else {
			_, _ = w.WriteString("</span>")
		}
		return ast.WalkContinue, nil
	})
}
