package printjob_test

import (
	"testing"

	"github.com/govhall/govhall/kiosk/printjob"
)

func BenchmarkPNG(b *testing.B) {
	for b.Loop() {
		if _, err := printjob.PNG(testURLs[0], printjob.DefaultPxPerModule); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSVG(b *testing.B) {
	for b.Loop() {
		if _, err := printjob.SVG(testURLs[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkSlip(b *testing.B, profile, title string) {
	bl := builder(b)
	p := mustProfile(b, profile)
	s := sampleSlip()
	if title != "" {
		s.Title = title
	}
	var n int
	for b.Loop() {
		job, err := bl.Build(s, p)
		if err != nil {
			b.Fatal(err)
		}
		n = len(job)
	}
	b.ReportMetric(float64(n), "job-bytes")
}

// BenchmarkSlipRaster: 58 mm, QR as a raster image.
func BenchmarkSlipRaster(b *testing.B) { benchmarkSlip(b, "generic-58", "") }

// BenchmarkSlipNative: 58 mm, QR with GS ( k.
func BenchmarkSlipNative(b *testing.B) { benchmarkSlip(b, "kp628e-58", "") }

// BenchmarkSlipRareCharacters: 80 mm raster, a title with characters
// outside GBK, so its lines are drawn from the fonts.
func BenchmarkSlipRareCharacters(b *testing.B) {
	benchmarkSlip(b, "generic-80", "关于𠀀𡈽村😀人居环境整治工作中𪚥字地名规范使用的通知")
}
