package main

import (
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
)

// renderMarkdown renders the small Markdown subset spec descriptions use:
// paragraphs, ATX headings, bullet and numbered lists, fenced code blocks and,
// inline, `code`, **bold**, *emphasis* and [links](…) (the text only: the page
// links nowhere outside itself). Everything is HTML-escaped first.
// headingShift demotes headings so they nest under the page's own.
func renderMarkdown(text string, headingShift int) template.HTML {
	var out strings.Builder
	lines := strings.Split(strings.ReplaceAll(text, "\r", ""), "\n")
	for i := 0; i < len(lines); {
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "":
			i++
		case strings.HasPrefix(line, "```"):
			i = writeCodeBlock(&out, lines, i+1)
		case headingLevel(line) > 0:
			level := min(headingLevel(line)+headingShift, 6)
			content := strings.TrimSpace(strings.TrimLeft(line, "#"))
			out.WriteString("<h" + itoa(level) + ">" + renderInline(content) + "</h" + itoa(level) + ">\n")
			i++
		case listMarker(line) != "":
			i = writeList(&out, lines, i)
		default:
			i = writeParagraph(&out, lines, i)
		}
	}
	return template.HTML(out.String()) //nolint:gosec // every piece of input text is escaped by renderInline or html.EscapeString
}

func headingLevel(line string) int {
	level := len(line) - len(strings.TrimLeft(line, "#"))
	if level == 0 || level > 6 || len(line) > level && line[level] != ' ' {
		return 0
	}
	return level
}

var orderedMarker = regexp.MustCompile(`^\d+[.)] `)

// listMarker returns "ul" or "ol" when line starts a list item.
func listMarker(line string) string {
	switch {
	case strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "+ "):
		return "ul"
	case orderedMarker.MatchString(line):
		return "ol"
	}
	return ""
}

func writeList(out *strings.Builder, lines []string, i int) int {
	kind := listMarker(strings.TrimSpace(lines[i]))
	out.WriteString("<" + kind + ">\n")
	for i < len(lines) {
		line := strings.TrimSpace(lines[i])
		if listMarker(line) != kind {
			break
		}
		item := strings.TrimSpace(orderedMarker.ReplaceAllString(line, ""))
		if kind == "ul" {
			item = strings.TrimSpace(line[2:])
		}
		i++
		// Indented continuation lines belong to the item.
		for i < len(lines) && strings.HasPrefix(lines[i], "  ") && strings.TrimSpace(lines[i]) != "" &&
			listMarker(strings.TrimSpace(lines[i])) == "" {
			item += " " + strings.TrimSpace(lines[i])
			i++
		}
		out.WriteString("<li>" + renderInline(item) + "</li>\n")
	}
	out.WriteString("</" + kind + ">\n")
	return i
}

func writeParagraph(out *strings.Builder, lines []string, i int) int {
	var parts []string
	for i < len(lines) {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "```") || headingLevel(line) > 0 || listMarker(line) != "" {
			break
		}
		parts = append(parts, line)
		i++
	}
	out.WriteString("<p>" + renderInline(strings.Join(parts, " ")) + "</p>\n")
	return i
}

func writeCodeBlock(out *strings.Builder, lines []string, i int) int {
	var code []string
	for i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```") {
		code = append(code, lines[i])
		i++
	}
	out.WriteString("<pre><code>" + html.EscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
	return i + 1
}

var (
	inlineCode = regexp.MustCompile("`([^`]+)`")
	boldText   = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	emText     = regexp.MustCompile(`(^|[^*\w])\*([^*\s][^*]*)\*`)
	linkText   = regexp.MustCompile(`\[([^\]]+)\]\([^)\s]*\)`)
)

var codePlaceholder = regexp.MustCompile("\x00([0-9]+)\x00")

// renderInline escapes s and renders code spans (whose content is left
// alone), bold, emphasis and link texts. Code spans are set aside first, so
// emphasis may enclose them.
func renderInline(s string) string {
	var spans []string
	s = strings.ReplaceAll(s, "\x00", "")
	s = inlineCode.ReplaceAllStringFunc(s, func(span string) string {
		spans = append(spans, "<code>"+html.EscapeString(span[1:len(span)-1])+"</code>")
		return "\x00" + strconv.Itoa(len(spans)-1) + "\x00"
	})
	s = renderEmphasis(s)
	return codePlaceholder.ReplaceAllStringFunc(s, func(token string) string {
		i, _ := strconv.Atoi(strings.Trim(token, "\x00"))
		return spans[i]
	})
}

func renderEmphasis(s string) string {
	s = linkText.ReplaceAllString(s, "$1")
	s = html.EscapeString(s)
	s = boldText.ReplaceAllString(s, "<strong>$1</strong>")
	return emText.ReplaceAllString(s, "$1<em>$2</em>")
}

func itoa(n int) string { return string(rune('0' + n)) }
