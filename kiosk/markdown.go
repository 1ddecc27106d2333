package kiosk

import (
	"html"
	"html/template"
	"strings"
)

// RenderBody turns a document body (plain text or simple Markdown: "#"
// headings, "-"/"*" and "1." lists, **bold**, blank-line paragraphs) into
// HTML. Every piece of text is escaped first and only the renderer's own
// tags are emitted, so a body can never inject markup or script.
func RenderBody(body string) template.HTML {
	var b strings.Builder
	var para []string
	list := ""
	flushPara := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + strings.Join(para, "<br>") + "</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for _, raw := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(raw)
		tag, text := classify(line)
		switch tag {
		case "":
			flushPara()
			closeList()
		case "p":
			closeList()
			para = append(para, inline(text))
		case "ul", "ol":
			flushPara()
			if list != tag {
				closeList()
				b.WriteString("<" + tag + ">\n")
				list = tag
			}
			b.WriteString("<li>" + inline(text) + "</li>\n")
		default: // h2, h3
			flushPara()
			closeList()
			b.WriteString("<" + tag + ">" + inline(text) + "</" + tag + ">\n")
		}
	}
	flushPara()
	closeList()
	return template.HTML(b.String())
}

// classify returns the block tag of a line and its text without the marker.
func classify(line string) (string, string) {
	switch {
	case line == "":
		return "", ""
	case strings.HasPrefix(line, "### "):
		return "h3", line[4:]
	case strings.HasPrefix(line, "## "), strings.HasPrefix(line, "# "):
		return "h2", strings.TrimLeft(line, "# ")
	case strings.HasPrefix(line, "- "), strings.HasPrefix(line, "* "):
		return "ul", line[2:]
	}
	if i := strings.Index(line, ". "); i > 0 && i <= 3 && isDigits(line[:i]) {
		return "ol", line[i+2:]
	}
	return "p", line
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// inline escapes text and turns **bold** pairs into <strong>.
func inline(text string) string {
	parts := strings.Split(text, "**")
	if len(parts)%2 == 0 { // unbalanced: no bold at all
		return html.EscapeString(text)
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString("<strong>" + html.EscapeString(p) + "</strong>")
		} else {
			b.WriteString(html.EscapeString(p))
		}
	}
	return b.String()
}
