package data

import (
	"archive/tar"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/repgeo/repgeo/internal/atomicfile"
)

// CIFAR-10's official binary distribution.
const (
	// CIFAR10URL is the address of the official binary archive.
	CIFAR10URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	// CIFAR10MD5 is the published MD5 checksum of that archive.
	CIFAR10MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
)

// cifarRecord is the size of one record of the binary format: one label
// byte followed by the 32×32×3 image in channel-major (CHW) order.
const cifarRecord = 1 + 3072

// cifarTrainFiles and cifarTestFile name the files of the binary format.
var (
	cifarTrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifarTestFile   = "test_batch.bin"
)

// CIFAR-10 channel statistics of the training split (0..1 scale).
var (
	cifarMean = []float32{0.4914, 0.4822, 0.4465}
	cifarStd  = []float32{0.2470, 0.2435, 0.2616}
)

// LoadCIFAR10 reads CIFAR-10 from the official binary files
// data_batch_1.bin … data_batch_5.bin and test_batch.bin in dir (or in its
// subdirectory cifar-10-batches-bin, as the archive unpacks). Each file is a
// sequence of records of one label byte and 3072 pixel bytes (CHW).
func LoadCIFAR10(dir string) (*Set, error) {
	if _, err := os.Stat(filepath.Join(dir, cifarTestFile)); err != nil {
		sub := filepath.Join(dir, "cifar-10-batches-bin")
		if _, err2 := os.Stat(filepath.Join(sub, cifarTestFile)); err2 == nil {
			dir = sub
		}
	}
	s := &Set{Name: CIFAR10, Height: 32, Width: 32, Channels: 3, Classes: 10, Mean: cifarMean, Std: cifarStd}
	for _, f := range cifarTrainFiles {
		if err := readCIFARFile(filepath.Join(dir, f), &s.Train); err != nil {
			return nil, err
		}
	}
	if err := readCIFARFile(filepath.Join(dir, cifarTestFile), &s.Test); err != nil {
		return nil, err
	}
	return s, nil
}

// readCIFARFile appends the records of one binary file to sp, converting
// the images to HWC order.
func readCIFARFile(name string, sp *Split) error {
	raw, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("data: cifar10: %w", err)
	}
	if len(raw) == 0 || len(raw)%cifarRecord != 0 {
		return fmt.Errorf("data: cifar10: %s: %w: %d bytes is not a whole number of %d-byte records",
			name, ErrCorrupt, len(raw), cifarRecord)
	}
	n := len(raw) / cifarRecord
	for r := range n {
		rec := raw[r*cifarRecord : (r+1)*cifarRecord]
		if rec[0] > 9 {
			return fmt.Errorf("data: cifar10: %s: %w: record %d has label %d (want 0..9)", name, ErrCorrupt, r, rec[0])
		}
		sp.Labels = append(sp.Labels, rec[0])
		img := rec[1:]
		for p := range 1024 {
			sp.Pixels = append(sp.Pixels, img[p], img[1024+p], img[2048+p])
		}
	}
	return nil
}

// DownloadCIFAR10 fetches the official archive into dir (on machines with
// internet access), checks its MD5 against CIFAR10MD5 and unpacks the binary
// files into dir. It does nothing when the files are already there.
func DownloadCIFAR10(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, cifarTestFile)); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data: cifar10: %w", err)
	}
	resp, err := http.Get(CIFAR10URL)
	if err != nil {
		return fmt.Errorf("data: cifar10: download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("data: cifar10: download %s: %s", CIFAR10URL, resp.Status)
	}
	tmp, err := os.CreateTemp(dir, ".cifar-10-binary-*.tar.gz")
	if err != nil {
		return fmt.Errorf("data: cifar10: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, resp.Body); err != nil {
		return fmt.Errorf("data: cifar10: download: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("data: cifar10: %w", err)
	}
	return ExtractCIFAR10(tmp, CIFAR10MD5, dir)
}

// ErrChecksum is returned when an archive does not have the expected checksum.
var ErrChecksum = errors.New("checksum mismatch")

// ExtractCIFAR10 checks that the gzip-compressed tar archive read from r has
// the MD5 checksum wantMD5 (hex) and unpacks the CIFAR-10 binary files it
// holds (data_batch_N.bin, test_batch.bin, batches.meta.txt) flat into dir.
// Each file is written to a temporary name and renamed, so a failure leaves
// no partial file. An archive with the wrong checksum is not unpacked, and
// on any later failure (such as a corrupt gzip stream, whose own checksum
// is verified at its end) the files already unpacked are removed.
func ExtractCIFAR10(r io.ReadSeeker, wantMD5, dir string) (err error) {
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return fmt.Errorf("data: cifar10: reading archive: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, wantMD5) {
		return fmt.Errorf("data: cifar10: archive %w: MD5 %s, want %s", ErrChecksum, got, wantMD5)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("data: cifar10: %w", err)
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("data: cifar10: archive: %w: %v", ErrCorrupt, err)
	}
	var written []string
	defer func() {
		if err != nil {
			for _, name := range written {
				os.Remove(name)
			}
		}
	}()
	tr := tar.NewReader(gz)
	wanted := map[string]bool{cifarTestFile: true, "batches.meta.txt": true}
	for _, f := range cifarTrainFiles {
		wanted[f] = true
	}
	found := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("data: cifar10: archive: %w: %v", ErrCorrupt, err)
		}
		base := path.Base(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !wanted[base] {
			continue
		}
		src := &readErr{r: tr}
		dst := filepath.Join(dir, base)
		if err := atomicfile.Write(dst, func(w io.Writer) error {
			_, err := io.Copy(w, src)
			return err
		}); err != nil {
			if src.err != nil {
				return fmt.Errorf("data: cifar10: archive: %w: %s: %v", ErrCorrupt, base, src.err)
			}
			return fmt.Errorf("data: cifar10: archive: %s: %w", base, err)
		}
		written = append(written, dst)
		if base != "batches.meta.txt" {
			found++
		}
	}
	// Read the gzip stream to its end, where it verifies its checksum.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return fmt.Errorf("data: cifar10: archive: %w: %v", ErrCorrupt, err)
	}
	if found != len(cifarTrainFiles)+1 {
		return fmt.Errorf("data: cifar10: archive: %w: found %d of the %d binary batch files",
			ErrCorrupt, found, len(cifarTrainFiles)+1)
	}
	return nil
}

// readErr remembers the error of its reader, to tell a corrupt archive from
// a failed write.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
