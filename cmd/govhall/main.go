// Command govhall is the one binary of the project: the HTTP and SIP server,
// migrations, demo content, bulk import and the working-day calendar.
//
//	govhall serve | migrate | demo | import FILE.jsonl | calendar due FROM N | report annual YEAR
//
// Configuration comes from the environment (see README.md). Without
// GOVHALL_DATABASE_URL it provisions and starts a private PostgreSQL cluster
// under GOVHALL_DATA_DIR/pg and stops it again on exit.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: govhall COMMAND

commands:
  serve                     serve HTTP and SIP (migrates first)
  migrate                   apply database migrations
  demo                      load the demo content and print the demo accounts
  import FILE.jsonl         bulk import of documents (JSON Lines)
  drain [--wait] [--undo] [NODE_ID]
                            new calls go to the other nodes (default GOVHALL_NODE_ID)
  calendar due FROM N [--kind K]
                            due date of N working days counted from FROM
  report annual YEAR [--department CODE] [--format html|xlsx|pdf] [--out FILE]
                            the 政府信息公开工作年度报告 of a year
  report hotline --from YYYY-MM-DD --to YYYY-MM-DD [--department CODE] [--format csv|xlsx|pdf] [--out FILE]
                            the 96128 hotline and query statistics of a period
`

// errUsage marks a command line that could not be understood.
var errUsage = errors.New("bad command line")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, errUsage) {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "govhall:", err)
		}
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "govhall:", err)
		os.Exit(1)
	}
}

// run is the whole program, so that a test can run it with its own
// arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	app := &program{cfg: cfg, log: log, stdout: stdout, stderr: stderr}
	switch args[0] {
	case "serve":
		return app.serve(ctx)
	case "migrate":
		return app.migrate(ctx)
	case "demo":
		return app.demo(ctx)
	case "import":
		return app.importFile(ctx, args[1:])
	case "calendar":
		return app.calendar(ctx, args[1:])
	case "report":
		return app.report(ctx, args[1:])
	case "drain":
		return app.drain(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}
