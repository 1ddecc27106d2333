package server

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// rejectUnstorableText answers 400 for a request whose path, query, form or
// JSON body carries text that no person types and PostgreSQL cannot store:
// a NUL character, or bytes that are not UTF-8. Without this check such
// text reached the database and came back as a bare 500.
func rejectUnstorableText(c *fiber.Ctx) error {
	if p, err := url.PathUnescape(c.Path()); !storable(c.Path()) || (err == nil && !storable(p)) {
		return badText("地址")
	}
	bad := ""
	check := func(k, v []byte) {
		if bad == "" && (!storable(string(k)) || !storable(string(v))) {
			bad = "参数 " + strings.ToValidUTF8(strings.ReplaceAll(string(k), "\x00", ""), "")
		}
	}
	c.Request().URI().QueryArgs().VisitAll(check)
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if strings.HasPrefix(ct, fiber.MIMEApplicationForm) {
		c.Request().PostArgs().VisitAll(check)
	}
	if bad != "" {
		return badText(bad)
	}
	if textBody(ct) && hasNULEscape(c.Body()) {
		return badText("提交的内容")
	}
	return c.Next()
}

func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func badText(where string) error {
	return clientErr(http.StatusBadRequest, "%s中含有无法保存的字符（空字符或不是 UTF-8 编码的文字），请删除后重新输入", where)
}

// textBody tells the bodies that are read as text (JSON, forms, and
// bodies sent without a type); files are left alone.
func textBody(ct string) bool {
	for _, p := range []string{"audio/", "image/", "video/", "application/octet-stream", "multipart/"} {
		if strings.HasPrefix(ct, p) {
			return false
		}
	}
	return true
}

// hasNULEscape reports whether a JSON text holds the escape \u0000 (a
// backslash that is itself escaped does not start one).
func hasNULEscape(b []byte) bool {
	for {
		i := bytes.Index(b, []byte(`\u0000`))
		if i < 0 {
			return false
		}
		n := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		b = b[i+1:]
	}
}
