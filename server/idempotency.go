package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Idempotency-Key (IETF draft "The Idempotency-Key HTTP Header Field",
// Stripe's behaviour): HAProxy does not retry a POST once a node may have
// it, so a client whose POST failed in flight retries it with the same key
// and the write is applied once.
const (
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotent-Replayed"
	maxIdempotencyKey = 255
)

// idempotencyExempt are the POST routes whose answer holds a secret (a
// session or device token, a password, SIP credentials): it is not written
// to the database, so these ignore the header and behave as without it.
var idempotencyExempt = regexp.MustCompile(`^/api/v1/session$|^/console/log(in|out)$|/(token|password|credentials)$|^/api/v1/staff/(terminals|phones|accounts)$`)

// idempotent reports whether a POST route takes Idempotency-Key.
func idempotent(method, path string) bool {
	return method == fiber.MethodPost && !idempotencyExempt.MatchString(path)
}

// idempotency runs a POST that carries Idempotency-Key once per scope and
// key: a repeat of the same request gets the stored answer with
// Idempotent-Replayed: true, the key on a different request 422, a repeat
// while the first still runs 409. Without the header nothing changes.
func (s *Server) idempotency(c *fiber.Ctx) error {
	key := c.Get(idempotencyHeader)
	// A request another node forwarded: that node holds the key and
	// stores this answer (forward.go).
	if key == "" || s.idem == nil || !idempotent(c.Method(), c.Path()) || forwardedBy(c) != "" {
		return c.Next()
	}
	if !validIdempotencyKey(key) {
		return clientErr(http.StatusBadRequest, "Idempotency-Key 须为 1 到 255 个可打印的 ASCII 字符 / Idempotency-Key must be 1 to 255 printable ASCII characters")
	}
	scope, hash := idempotencyScope(c), requestHash(c)
	rec, owned, err := s.idem.Begin(c.UserContext(), scope, key, hash, s.deps.RequestTimeout)
	if err != nil {
		return err
	}
	if !owned {
		return replay(c, rec, hash)
	}
	if err := nextRecovered(c); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			s.settle(c, scope, key, false)
			return herr
		}
	}
	s.settle(c, scope, key, true)
	return nil
}

// nextRecovered runs the handler, turning a panic into an error (a 500)
// so that the key is freed.
func nextRecovered(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}

// settle stores the answer of a request that ran, or frees its key when
// the answer is not to be replayed (5xx, a refusal before the request was
// looked at, a stream). Its own context: the request's may have run out.
func (s *Server) settle(c *fiber.Ctx, scope, key string, answered bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := c.Response()
	var err error
	if answered && replayable(res.StatusCode()) && !res.IsBodyStream() {
		err = s.idem.Finish(ctx, scope, key, res.StatusCode(), string(res.Header.ContentType()), res.Body())
	} else {
		err = s.idem.Forget(ctx, scope, key)
	}
	if err != nil {
		s.log.Warn("idempotency key not settled; a retry waits for the request timeout", "path", c.Path(), "err", err)
	}
}

// replayable reports whether an answer is replayed to a retry: 2xx and 4xx,
// except those that say the request was not looked at or may be tried
// again (401, 403, 408, 425, 429); a 5xx lets the client retry.
func replayable(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return status >= 200 && status < 300 || status >= 400 && status < 500
}

// replay answers a request whose key is already taken.
func replay(c *fiber.Ctx, rec idempotencyRecord, hash []byte) error {
	switch {
	case string(rec.RequestHash) != string(hash):
		return clientErr(http.StatusUnprocessableEntity, "此 Idempotency-Key 已用于另一个不同的请求，新的请求请换一个新的 key / This Idempotency-Key was already used for a different request; send a new key with a new request")
	case rec.Status == 0:
		c.Set(fiber.HeaderRetryAfter, "1")
		return clientErr(http.StatusConflict, "同一个请求仍在处理中，请稍后再试 / A request with this Idempotency-Key is still being processed; retry later")
	}
	c.Set(replayedHeader, "true")
	if rec.ContentType != "" {
		c.Set(fiber.HeaderContentType, rec.ContentType)
	}
	return c.Status(rec.Status).Send(rec.Body)
}

// validIdempotencyKey reports whether key is 1–255 printable ASCII
// characters.
func validIdempotencyKey(key string) bool {
	if len(key) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotencyScope is the path and who sent the request: the session (of
// an account), the kiosk terminal or, for the public, the client address.
// Tokens are hashed: the table holds none.
func idempotencyScope(c *fiber.Ctx) string {
	who := "ip:" + clientIP(c)
	if tok := sessionToken(c); tok != "" {
		who = "session:" + shortHash(tok)
	} else if tok := c.Get("X-Terminal-Token"); tok != "" {
		who = "terminal:" + shortHash(tok)
	} else if tok := c.Query("terminal"); tok != "" {
		who = "terminal:" + shortHash(tok)
	}
	return c.Path() + " " + who
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// requestHash is sha256 of the method, the path with its query and the body.
func requestHash(c *fiber.Ctx) []byte {
	h := sha256.New()
	h.Write([]byte(c.Method() + "\n" + strings.TrimSpace(c.OriginalURL()) + "\n"))
	h.Write(c.Body())
	return h.Sum(nil)
}
