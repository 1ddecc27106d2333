package kiosk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govhall/govhall/kiosk/printjob"
)

// Printer prints document slips on the terminals' receipt printers: it
// builds the ESC/POS job for the terminal's printer profile, checks the
// printer's paper state, delivers the job over raw TCP (port 9100) and
// records the outcome. One job at a time per printer.
type Printer struct {
	builder *printjob.Builder
	client  printjob.Client
	baseURL string
	mu      sync.Mutex
	busy    map[string]*sync.Mutex
}

// NewPrinter returns a Printer; baseURL is GOVHALL_PUBLIC_BASE_URL, for the
// link printed on the slip.
func NewPrinter(b *printjob.Builder, c printjob.Client, baseURL string) *Printer {
	return &Printer{builder: b, client: c, baseURL: baseURL, busy: map[string]*sync.Mutex{}}
}

// PrintJob is one slip sent to a printer, with its outcome.
type PrintJob struct {
	ID     int64  `json:"job_id"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	Bytes  int    `json:"bytes"`
}

func (p *Printer) lock(addr string) func() {
	p.mu.Lock()
	m := p.busy[addr]
	if m == nil {
		m = &sync.Mutex{}
		p.busy[addr] = m
	}
	p.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// PrintSlip prints the slip of a public document on the terminal's printer
// and returns the recorded job. A document that is not public is
// ErrNotFound; a terminal without a printer is ErrConflict. Printer
// trouble (no paper, unreachable, timeout) is not an error of the call: the
// job is recorded as failed with a message for the citizen, and the
// printer state is stored on the terminal for the heartbeat.
func (s *Store) PrintSlip(ctx context.Context, p *Printer, t Terminal, docID int64) (PrintJob, error) {
	doc, err := s.PublicByID(ctx, docID)
	if err != nil {
		return PrintJob{}, err
	}
	if t.PrinterAddr == "" {
		return PrintJob{}, fmt.Errorf("%w: 这台查询机没有连接打印机", ErrConflict)
	}
	profile, err := printjob.ParseProfile(t.PrinterProfile)
	if err != nil {
		return PrintJob{}, fmt.Errorf("kiosk: terminal %d printer profile: %w", t.ID, err)
	}
	job, err := p.builder.Build(p.slip(doc, t), profile)
	if err != nil {
		return PrintJob{}, fmt.Errorf("kiosk: build slip for document %d: %w", docID, err)
	}
	var id int64
	const ins = `INSERT INTO print_jobs (terminal_id, document_id, status, bytes) VALUES ($1, $2, 'printing', $3) RETURNING id`
	if err := s.db.GetContext(ctx, &id, ins, t.ID, docID, len(job)); err != nil {
		return PrintJob{}, fmt.Errorf("kiosk: queue print job: %w", err)
	}
	unlock := p.lock(t.PrinterAddr)
	state, sendErr := p.deliver(ctx, t.PrinterAddr, job)
	unlock()
	return s.finishJob(ctx, t, id, len(job), docID, state, sendErr)
}

func (p *Printer) slip(d Public, t Terminal) printjob.Slip {
	sl := printjob.Slip{Title: d.Title, DocNumber: d.DocNumber, IndexNo: d.IndexNo, Agency: d.Agency,
		PublishedAt: d.PublishedAt.Time, Validity: d.Validity, URL: p.baseURL + "/d/" + d.Code,
		PrintedAt: time.Now(), Place: t.Name}
	if r := d.Replacement; r != nil && d.Validity != Valid {
		sl.ReplacedByTitle, sl.ReplacedByDocNumber, sl.ReplacedByURL = r.Title, r.DocNumber, p.baseURL+"/d/"+r.Code
	}
	return sl
}

// deliver asks the printer for its state, sends the job if it can print,
// and returns the state to store on the terminal.
func (p *Printer) deliver(ctx context.Context, addr string, job []byte) (printjob.PrinterStatus, error) {
	st, err := p.client.Status(ctx, addr)
	if err != nil {
		return st, err // st says why, for staff
	}
	if !st.CanPrint() {
		return st, errors.New(st.Message)
	}
	if err := p.client.Send(ctx, addr, job); err != nil {
		return printjob.PrinterStatus{State: printjob.StateUnreachable, Message: "打印机无法连接"}, err
	}
	return st, nil
}

func (s *Store) finishJob(ctx context.Context, t Terminal, id int64, n int, docID int64, st printjob.PrinterStatus, sendErr error) (PrintJob, error) {
	job := PrintJob{ID: id, Status: "done", Bytes: n}
	if sendErr != nil {
		job.Status = "failed"
		job.Error = "打印没有成功：" + citizenPrintError(st) + "，您可以用手机扫描屏幕上的二维码，或请工作人员帮忙。"
	}
	const upd = `UPDATE print_jobs SET status = $2, error = $3, finished_at = now() WHERE id = $1`
	if _, err := s.db.ExecContext(ctx, upd, id, job.Status, errText(sendErr)); err != nil {
		return job, fmt.Errorf("kiosk: finish print job %d: %w", id, err)
	}
	if err := s.Heartbeat(ctx, t.ID, st.State, st.Message, ""); err != nil {
		return job, err
	}
	if job.Status == "done" {
		if err := s.RecordTerminalEvent(ctx, t.ID, "print", docID, ""); err != nil {
			return job, err
		}
	}
	return job, nil
}

func citizenPrintError(st printjob.PrinterStatus) string {
	switch st.State {
	case printjob.StatePaperOut:
		return "打印机缺纸"
	case printjob.StateUnreachable, printjob.StateOffline:
		return "打印机暂时无法使用"
	}
	return "打印机出现故障"
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// PollPrinters asks every enabled terminal's printer for its state and
// stores it, so the kiosk learns of paper trouble through its heartbeat
// before a citizen tries to print. Printers are asked one after another;
// one that does not answer is recorded as unreachable.
func (s *Store) PollPrinters(ctx context.Context, p *Printer) error {
	ts, err := s.Terminals(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Disabled || t.PrinterAddr == "" || !t.Online {
			continue
		}
		if _, err := s.PollPrinter(ctx, p, t); err != nil {
			return err
		}
	}
	return nil
}

// PollPrinter asks one terminal's printer for its state, stores it and
// returns the terminal with it. A terminal without a printer is returned
// as it is. Only a failure to store the state is an error.
func (s *Store) PollPrinter(ctx context.Context, p *Printer, t Terminal) (Terminal, error) {
	if t.PrinterAddr == "" {
		return t, nil
	}
	unlock := p.lock(t.PrinterAddr)
	st, _ := p.client.Status(ctx, t.PrinterAddr)
	unlock()
	const q = `UPDATE terminals SET printer_state = $2, printer_message = $3 WHERE id = $1`
	if _, err := s.db.ExecContext(context.WithoutCancel(ctx), q, t.ID, st.State, st.Message); err != nil {
		return t, fmt.Errorf("kiosk: store printer state of terminal %d: %w", t.ID, err)
	}
	t.PrinterState, t.PrinterMessage = st.State, st.Message
	return t, nil
}

// PrinterReady reports whether a printer state allows printing a slip now.
// A printer that has never answered (unknown) is not ready.
func PrinterReady(state string) bool {
	return printjob.PrinterStatus{State: state}.CanPrint()
}

// CitizenPrinterMessage is what a kiosk tells citizens about its printer in
// a state: one plain sentence with the QR alternative, never the printer's
// address or the advice meant for staff (that stays in the terminal list).
func CitizenPrinterMessage(state string) string {
	switch state {
	case printjob.StateOK, printjob.StatePaperNearEnd:
		return ""
	case "", "unknown":
		return "打印机正在准备，请稍后再试，或用手机扫描二维码带走文件。"
	}
	return citizenPrintError(printjob.PrinterStatus{State: state}) + "，请用手机扫描二维码带走文件，或请工作人员帮忙。"
}
