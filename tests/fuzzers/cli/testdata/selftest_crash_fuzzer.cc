// Known-answer harness for the CLI tests: an input starting with 'C' reads
// one byte past its end, which AddressSanitizer reports as a
// heap-buffer-overflow (libFuzzer and the replay driver both pass inputs in
// exactly-sized heap buffers). Random inputs hit it about once in 256.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 1 && data[0] == 'C') {
    volatile uint8_t past_end = data[size];
    (void)past_end;
  }
  return 0;
}
