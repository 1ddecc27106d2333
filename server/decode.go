package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// decode reads a JSON body strictly: unknown fields are an error a client can fix.
func decode(c *fiber.Ctx, v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &apiError{status: http.StatusBadRequest, msg: "field " + te.Field + " must be a JSON " + te.Type.String(), field: te.Field}
		}
		return clientErr(http.StatusBadRequest, "the request body is not the expected JSON: %v", err)
	}
	return nil
}

// idParam reads a positive integer path parameter.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, clientErr(http.StatusNotFound, "没有找到您要的内容")
	}
	return id, nil
}

// clampQuery reads an integer query parameter, defaulting and capping it.
func clampQuery(c *fiber.Ctx, name string, def, most int) int {
	n, err := strconv.Atoi(c.Query(name))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, most)
}
