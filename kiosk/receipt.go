package kiosk

import (
	"context"
	"fmt"

	"github.com/govhall/govhall/kiosk/printjob"
)

// PrintReceipt prints the receipt (回执) of an application or query on the
// terminal's printer, as PrintSlip prints a document's slip: one job at a
// time per printer, the printer's state stored on the terminal, trouble
// reported in the job (status failed, a sentence for the citizen). A
// receipt carries no personal data and no document, so it is not kept in
// print_jobs (job id 0).
func (s *Store) PrintReceipt(ctx context.Context, p *Printer, t Terminal, r printjob.Receipt) (PrintJob, error) {
	if t.PrinterAddr == "" {
		return PrintJob{}, fmt.Errorf("%w: 这台查询机没有连接打印机", ErrConflict)
	}
	profile, err := printjob.ParseProfile(t.PrinterProfile)
	if err != nil {
		return PrintJob{}, fmt.Errorf("kiosk: terminal %d printer profile: %w", t.ID, err)
	}
	r.Place = t.Name
	job, err := p.builder.BuildReceipt(r, profile)
	if err != nil {
		return PrintJob{}, fmt.Errorf("kiosk: build receipt: %w", err)
	}
	unlock := p.lock(t.PrinterAddr)
	st, sendErr := p.deliver(ctx, t.PrinterAddr, job)
	unlock()
	out := PrintJob{Status: "done", Bytes: len(job)}
	if sendErr != nil {
		out.Status = "failed"
		out.Error = "打印没有成功：" + citizenPrintError(st) + "，请记下屏幕上的查询码，或请工作人员帮忙。"
	}
	if err := s.Heartbeat(ctx, t.ID, st.State, st.Message, ""); err != nil {
		return out, err
	}
	return out, nil
}
