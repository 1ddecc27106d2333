// Package printjob turns a document's public link into things a citizen can
// take home: QR images for the screen (PNG and SVG) and an ESC/POS print job
// for the kiosk's thermal receipt printer (the 查阅凭条), and it delivers such
// jobs to network printers on raw TCP port 9100 and reads their paper status.
//
// The package knows nothing of the database or HTTP: the catalog fills a
// Slip, the terminal registry names a printer Profile and address, and the
// server calls Builder.Build, Send and Status.
//
// Text on a slip is sent in the printer's own Chinese encoding (GB18030 or
// GBK). Characters the printer's font lacks — anything outside GBK, such as
// CJK Extension B (𠀀) or emoji — make their whole line print as a raster
// image drawn from real fonts (Fonts); a character missing from those too
// prints as a box, never as mojibake.
package printjob

import (
	"errors"
	"fmt"
)

// Errors of the package. A FieldError wraps ErrInvalid.
var (
	// ErrInvalid marks input that cannot be turned into an image or a job.
	ErrInvalid = errors.New("printjob: invalid input")
	// ErrUnknownProfile means no built-in printer profile has that name.
	ErrUnknownProfile = errors.New("printjob: unknown printer profile")
	// ErrQRTooLarge means the QR code of a URL does not fit on the paper.
	ErrQRTooLarge = errors.New("printjob: QR code too large for the paper")
	// ErrNoPrinter means no printer address is configured.
	ErrNoPrinter = errors.New("printjob: no printer address configured")
	// ErrUnreachable means the printer refused or could not be reached.
	ErrUnreachable = errors.New("printjob: printer unreachable")
	// ErrTimeout means the printer did not accept the job or answer in time.
	ErrTimeout = errors.New("printjob: printer timed out")
	// ErrBadReply means the printer answered a status query with a byte that
	// is not an ESC/POS status byte.
	ErrBadReply = errors.New("printjob: printer sent an unexpected status reply")
)

// FieldError names the field of a rejected input (a slip field, a profile
// setting, a request parameter) and says what is wrong.
type FieldError struct {
	Field string
	Msg   string
}

// Error returns "printjob: FIELD: what is wrong".
func (e *FieldError) Error() string { return "printjob: " + e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}
