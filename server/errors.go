package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

// apiError is an error whose message a client may see.
type apiError struct {
	status int
	msg    string
	field  string
}

func (e *apiError) Error() string { return e.msg }

func clientErr(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

// statusOf maps domain errors to HTTP statuses; the message of these errors
// is meant for the client. Anything else is an internal error.
var statusOf = []struct {
	err    error
	status int
	plain  string // shown when the error carries no message meant for people
}{
	{kiosk.ErrNotFound, http.StatusNotFound, "没有找到您要的内容"},
	{kiosk.ErrInvalid, http.StatusBadRequest, ""},
	{kiosk.ErrConflict, http.StatusConflict, ""},
	{kiosk.ErrForbidden, http.StatusForbidden, ""},
	{kiosk.ErrSpeechBusy, http.StatusTooManyRequests, "朗读暂时忙不过来，请稍后再点“朗读”"},
	{staff.ErrBadCredentials, http.StatusUnauthorized, "用户名或密码错误"},
	{staff.ErrThrottled, http.StatusTooManyRequests, "登录失败次数过多，请稍后再试"},
	{staff.ErrNoSession, http.StatusUnauthorized, "请先登录"},
	{staff.ErrInvalid, http.StatusBadRequest, ""},
	{staff.ErrExists, http.StatusConflict, ""},
	{staff.ErrNotFound, http.StatusNotFound, "没有找到该账号"},
	{queries.ErrBadCode, http.StatusBadRequest, "查询码有误，请核对后重新输入"},
	{queries.ErrTooMany, http.StatusTooManyRequests, "查询过于频繁，请稍后再试"},
	{queries.ErrNotFound, http.StatusNotFound, ""},
	{queries.ErrInvalid, http.StatusBadRequest, ""},
	{queries.ErrConflict, http.StatusConflict, ""},
	{queries.ErrForbidden, http.StatusForbidden, ""},
}

// handleError is the one place errors become responses: client errors carry
// their message, everything else is logged in full and answered with a bare
// 500 in plain Chinese.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, msg, field := s.classify(err)
	if status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	if len(c.Response().Header.Peek("X-Content-Type-Options")) == 0 {
		setSecurityHeaders(c) // a request Fiber refused before the middleware ran (body too large)
	}
	if status == http.StatusServiceUnavailable && len(c.Response().Header.Peek("Retry-After")) == 0 {
		c.Set("Retry-After", unavailableRetry)
	}
	body := fiber.Map{"error": msg}
	if field != "" {
		body["field"] = field
	}
	return c.Status(status).JSON(body)
}

// classify returns the status, the message a person may see (values
// quoted in it clipped to maxEcho characters) and the field at fault.
func (s *Server) classify(err error) (int, string, string) {
	status, msg, field := classifyErr(err)
	if status < 500 {
		msg = clipQuoted(msg)
	}
	return status, msg, field
}

func classifyErr(err error) (int, string, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.msg, ae.field
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code, fiberMessage(fe), ""
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable, "系统繁忙，请稍后再试", ""
	}
	if unavailable(err) {
		return http.StatusServiceUnavailable, unavailableText, ""
	}
	var field *kiosk.FieldError
	if errors.As(err, &field) {
		return http.StatusBadRequest, field.Error(), field.Field
	}
	for _, m := range statusOf {
		if errors.Is(err, m.err) {
			if m.plain != "" {
				return m.status, m.plain, ""
			}
			return m.status, publicText(err, m.err), ""
		}
	}
	return http.StatusInternalServerError, "系统出现问题，请稍后再试或咨询工作人员", ""
}

// publicText strips the package prefix of a sentinel from a message.
func publicText(err, sentinel error) string {
	msg := err.Error()
	prefix := sentinel.Error() + ": "
	for i := 0; i+len(prefix) <= len(msg); i++ {
		if msg[i:i+len(prefix)] == prefix {
			return msg[i+len(prefix):]
		}
	}
	return msg
}

func fiberMessage(fe *fiber.Error) string {
	switch fe.Code {
	case http.StatusNotFound:
		return "没有找到您要的内容"
	case http.StatusMethodNotAllowed:
		return "不支持这种请求方式"
	case http.StatusRequestEntityTooLarge:
		return tooLarge(maxBodyLimit).Error()
	}
	return fe.Message
}
