package recording

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// wavHeaderSize is the canonical 44-byte RIFF/WAVE header of PCM data.
const wavHeaderSize = 44

// maxWAVData is the largest data chunk a RIFF size field can describe.
const maxWAVData = 1<<32 - 1 - (wavHeaderSize - 8)

// WAVFormat is the layout of mono PCM samples.
type WAVFormat struct {
	SampleRate    int
	BitsPerSample int // 16: signed little-endian, 8: unsigned
}

// wavWriter streams PCM into a file and fixes the header's sizes on Close,
// so a long utterance is never held in memory.
type wavWriter struct {
	f      *os.File
	w      *bufio.Writer
	format WAVFormat
	data   int64
}

func createWAV(path string, format WAVFormat) (*wavWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	w := &wavWriter{f: f, w: bufio.NewWriterSize(f, 16<<10), format: format}
	if err := writeWAVHeader(w.w, format, 0); err != nil {
		_ = f.Close()
		return nil, err
	}
	return w, nil
}

func (w *wavWriter) Write(pcm []byte) (int, error) {
	if w.data+int64(len(pcm)) > maxWAVData {
		return 0, errors.New("wav: utterance over 4 GiB")
	}
	n, err := w.w.Write(pcm)
	w.data += int64(n)
	return n, err
}

// Close flushes the samples, writes the final sizes and closes the file.
func (w *wavWriter) Close() error {
	err := w.w.Flush()
	if err == nil {
		_, err = w.f.Seek(0, io.SeekStart)
	}
	if err == nil {
		err = writeWAVHeader(w.f, w.format, w.data)
	}
	return errors.Join(err, w.f.Close())
}

// abort closes and removes the file.
func (w *wavWriter) abort() error {
	return errors.Join(w.f.Close(), os.Remove(w.path()))
}

// path is the file's path.
func (w *wavWriter) path() string { return w.f.Name() }

func writeWAVHeader(out io.Writer, f WAVFormat, dataBytes int64) error {
	blockAlign := f.BitsPerSample / 8
	h := make([]byte, 0, wavHeaderSize)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(wavHeaderSize-8+dataBytes))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16) // fmt chunk size
	h = binary.LittleEndian.AppendUint16(h, 1)  // PCM
	h = binary.LittleEndian.AppendUint16(h, 1)  // mono
	h = binary.LittleEndian.AppendUint32(h, uint32(f.SampleRate))
	h = binary.LittleEndian.AppendUint32(h, uint32(f.SampleRate*blockAlign)) // byte rate
	h = binary.LittleEndian.AppendUint16(h, uint16(blockAlign))
	h = binary.LittleEndian.AppendUint16(h, uint16(f.BitsPerSample))
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(dataBytes))
	_, err := out.Write(h)
	return err
}

// WAVInfo is what a WAV header says.
type WAVInfo struct {
	Format    WAVFormat
	Channels  int
	DataBytes int64
}

// Seconds is the audio's duration.
func (i WAVInfo) Seconds() float64 {
	return float64(i.DataBytes) / float64(i.Format.SampleRate*i.Channels*i.Format.BitsPerSample/8)
}

// ReadWAVHeader parses the canonical PCM header this package writes (tests
// and tools read recordings back with it).
func ReadWAVHeader(r io.Reader) (WAVInfo, error) {
	h := make([]byte, wavHeaderSize)
	if _, err := io.ReadFull(r, h); err != nil {
		return WAVInfo{}, fmt.Errorf("wav header: %w", err)
	}
	le := binary.LittleEndian
	if string(h[0:4]) != "RIFF" || string(h[8:16]) != "WAVEfmt " || string(h[36:40]) != "data" || le.Uint16(h[20:]) != 1 {
		return WAVInfo{}, errors.New("wav header: not a canonical PCM WAV")
	}
	info := WAVInfo{
		Format:    WAVFormat{SampleRate: int(le.Uint32(h[24:])), BitsPerSample: int(le.Uint16(h[34:]))},
		Channels:  int(le.Uint16(h[22:])),
		DataBytes: int64(le.Uint32(h[40:])),
	}
	if info.Channels == 0 || info.Format.SampleRate == 0 || info.Format.BitsPerSample == 0 {
		return WAVInfo{}, errors.New("wav header: zero channels, rate or sample size")
	}
	if int64(le.Uint32(h[4:])) != wavHeaderSize-8+info.DataBytes {
		return WAVInfo{}, errors.New("wav header: RIFF size does not match the data size")
	}
	return info, nil
}
