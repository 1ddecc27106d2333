// Package media is the media plane of the 96128 hotline: G.711 (PCMU and
// PCMA), SDP offer/answer for one audio stream with RFC 4733
// telephone-event, RTP endpoints with symmetric latching and re-stamping,
// RFC 4733 DTMF detection, paced prompt playback, the bridge that relays a
// caller to an operator or liaison or mixes the parties and hold music
// (decode, sum with clipping, encode, every 20 ms) for hold, consultation
// and three-way calls, and the stereo WAV recording of a call.
//
// It knows nothing of SIP or of the database: the call flow in package
// hotline feeds it SDP bodies and reads its results.
package media

import "errors"

// Errors returned by the media plane.
var (
	// ErrNoCodec means an SDP offer or answer has no PCMU or PCMA audio.
	ErrNoCodec = errors.New("media: no PCMU or PCMA audio offered")
	// ErrBadSDP means an SDP body could not be parsed or lacks a field.
	ErrBadSDP = errors.New("media: bad SDP")
	// ErrPortsExhausted means every RTP port of the range is in use.
	ErrPortsExhausted = errors.New("media: no free RTP port")
	// ErrBadWAV means a file is not a WAV file this package can read.
	ErrBadWAV = errors.New("media: bad WAV file")
)

// SampleRate is the only clock rate of G.711 and of every recording.
const SampleRate = 8000

// FrameSamples is the number of samples in one 20 ms packet we send.
const FrameSamples = 160
