package printjob

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Printer states, short and stable: the terminal heartbeat stores them and
// the kiosk hides or flags the print button by them.
const (
	StateOK           = "ok"
	StatePaperNearEnd = "paper_near_end"
	StatePaperOut     = "paper_out"
	StateCoverOpen    = "cover_open"
	StateOffline      = "offline"
	StateError        = "error"
	StateUnreachable  = "unreachable"
)

// PrinterStatus is what a printer reported, for the heartbeat and for staff.
type PrinterStatus struct {
	// State is one of the State constants.
	State string `json:"state"`
	// Message tells staff in Chinese what to do.
	Message string `json:"message"`
	// Replies holds the raw replies to DLE EOT 1 to 4 (0 when not asked).
	Replies [4]byte `json:"-"`
}

// CanPrint reports whether a slip can be printed now; near the paper end it
// still can.
func (s PrinterStatus) CanPrint() bool {
	return s.State == StateOK || s.State == StatePaperNearEnd
}

// Bits of the real-time status replies (DLE EOT n), Epson ESC/POS.
const (
	statusFixedMask  = 0x93 // bits 0, 1, 4, 7
	statusFixedValue = 0x12 // bits 1 and 4 set, 0 and 7 clear
	s1Offline        = 0x08
	s2CoverOpen      = 0x04
	s2PaperEnd       = 0x20
	s2Error          = 0x40
	s3CutterError    = 0x08
	s3Unrecoverable  = 0x20
	s4NearEnd        = 0x0C
	s4PaperEnd       = 0x60
)

// Status asks the printer at addr for its state with the zero Client.
func Status(ctx context.Context, addr string) (PrinterStatus, error) {
	return Client{}.Status(ctx, addr)
}

// Status asks the printer at addr for its state with DLE EOT 1 (online),
// DLE EOT 4 (paper sensors) and, when it is offline, DLE EOT 2 and 3 (why).
// When the printer cannot be asked it returns a PrinterStatus with
// StateUnreachable and a message for staff together with an error wrapping
// ErrNoPrinter, ErrUnreachable, ErrTimeout (no reply within ReplyTimeout)
// or ErrBadReply, so the caller can record the state either way.
func (c Client) Status(ctx context.Context, addr string) (PrinterStatus, error) {
	conn, full, err := c.dial(ctx, addr)
	if err != nil {
		return unreachable(cmp.Or(full, addr), err), fmt.Errorf("printjob: status: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	q := querier{conn: conn, ctx: ctx, timeout: orDefault(c.ReplyTimeout, DefaultReplyTimeout)}
	st, err := q.status()
	if err != nil {
		return unreachable(full, err), fmt.Errorf("printjob: status of %s: %w", full, err)
	}
	return st, nil
}

// querier sends real-time status requests on one connection.
type querier struct {
	conn    net.Conn
	ctx     context.Context
	timeout time.Duration
	replies [4]byte
}

func (q *querier) status() (PrinterStatus, error) {
	for _, n := range []byte{1, 4} {
		if err := q.ask(n); err != nil {
			return PrinterStatus{}, err
		}
	}
	if q.replies[0]&s1Offline != 0 {
		for _, n := range []byte{2, 3} {
			if err := q.ask(n); err != nil {
				return PrinterStatus{}, err
			}
		}
	}
	return classify(q.replies), nil
}

// ask sends DLE EOT n and reads its one-byte reply.
func (q *querier) ask(n byte) error {
	q.conn.SetDeadline(time.Now().Add(q.timeout))
	if _, err := q.conn.Write([]byte{dle, eot, n}); err != nil {
		return fmt.Errorf("DLE EOT %d: %w", n, netErr(q.ctx, err))
	}
	var b [1]byte
	if _, err := io.ReadFull(q.conn, b[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("DLE EOT %d: %w: connection closed without a reply", n, ErrBadReply)
		}
		return fmt.Errorf("DLE EOT %d: no reply: %w", n, netErr(q.ctx, err))
	}
	if b[0]&statusFixedMask != statusFixedValue {
		return fmt.Errorf("%w: 0x%02X to DLE EOT %d (is this an ESC/POS printer?)", ErrBadReply, b[0], n)
	}
	q.replies[n-1] = b[0]
	return nil
}

// classify turns the replies into a state; the most urgent cause wins.
func classify(r [4]byte) PrinterStatus {
	st := PrinterStatus{Replies: r}
	offline := r[0]&s1Offline != 0
	switch {
	case r[1]&s2CoverOpen != 0:
		st.State, st.Message = StateCoverOpen, "打印机舱盖未合上，请合好舱盖。"
	case r[3]&s4PaperEnd != 0 || r[1]&s2PaperEnd != 0:
		st.State, st.Message = StatePaperOut, "打印机缺纸，请更换热敏纸卷。"
	case offline && r[2]&s3CutterError != 0:
		st.State, st.Message = StateError, "打印机切刀故障，请打开舱盖清除卡纸后重新开机。"
	case offline && (r[1]&s2Error != 0 || r[2]&s3Unrecoverable != 0):
		st.State, st.Message = StateError, "打印机故障，请检查指示灯并重新开机。"
	case offline:
		st.State, st.Message = StateOffline, "打印机脱机，请检查打印机。"
	case r[3]&s4NearEnd != 0:
		st.State, st.Message = StatePaperNearEnd, "打印纸即将用完，请尽快更换纸卷。"
	default:
		st.State, st.Message = StateOK, "打印机正常。"
	}
	return st
}

// unreachable is the status recorded when the printer could not be asked.
func unreachable(addr string, err error) PrinterStatus {
	st := PrinterStatus{State: StateUnreachable}
	switch {
	case errors.Is(err, ErrNoPrinter):
		st.Message = "本终端未配置打印机地址。"
	case errors.Is(err, ErrTimeout):
		st.Message = fmt.Sprintf("打印机 %s 无响应，请检查打印机是否开机、是否死机。", addr)
	case errors.Is(err, ErrBadReply):
		st.Message = fmt.Sprintf("打印机 %s 的应答无法识别，请确认打印机支持 ESC/POS 状态查询。", addr)
	default:
		st.Message = fmt.Sprintf("无法连接打印机 %s，请检查打印机电源和网线。", addr)
	}
	return st
}
