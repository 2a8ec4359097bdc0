/*
 * Firmware update staging.
 *
 * Image format (all integers little-endian):
 *   0   "SLFW"            magic
 *   4   u8 major, u8 minor, u8 patch
 *   7   u8 flags          must be 0
 *   8   u32 payload_len   bytes after the header
 *   12  u32 payload_crc   CRC-32 (zlib) of the payload
 *   16  payload
 *
 * An accepted image is only marked pending; the bootloader installs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_internal.h"

sl_fw_result sl_fw_begin(sl_device* dev, size_t image_size) {
  sl_fw_abort(dev);
  if (image_size < SL_FW_HEADER_LEN) return SL_FW_OUT_OF_RANGE;
  dev->fw.data = malloc(image_size);
  if (!dev->fw.data) return SL_FW_NO_MEMORY;
  dev->fw.capacity = image_size;
  dev->fw.received = 0;
  return SL_FW_OK;
}

sl_fw_result sl_fw_write(sl_device* dev, size_t offset, const uint8_t* data, size_t len) {
  if (!dev->fw.data) return SL_FW_NOT_STARTED;
  if (offset != dev->fw.received || len > dev->fw.capacity - dev->fw.received) {
    return SL_FW_OUT_OF_RANGE;
  }
  if (len > 0) memcpy(dev->fw.data + offset, data, len);
  dev->fw.received += len;
  return SL_FW_OK;
}

static sl_fw_result fw_verify(sl_device* dev) {
  const uint8_t* img = dev->fw.data;
  size_t len = dev->fw.received;
  if (len < SL_FW_HEADER_LEN || memcmp(img, "SLFW", 4) != 0 || img[7] != 0) {
    return SL_FW_BAD_IMAGE;
  }
  uint32_t payload_len = sl_load_u32le(img + 8);
  uint32_t payload_crc = sl_load_u32le(img + 12);
  if ((size_t)payload_len != len - SL_FW_HEADER_LEN) return SL_FW_BAD_IMAGE;
  if (sl_crc32(img + SL_FW_HEADER_LEN, payload_len) != payload_crc) return SL_FW_BAD_IMAGE;
  snprintf(dev->pending_fw_version, sizeof dev->pending_fw_version, "%u.%u.%u", img[4], img[5],
           img[6]);
  return SL_FW_OK;
}

sl_fw_result sl_fw_finish(sl_device* dev) {
  if (!dev->fw.data) return SL_FW_NOT_STARTED;
  sl_fw_result r = fw_verify(dev);
  sl_fw_abort(dev);
  return r;
}

void sl_fw_abort(sl_device* dev) {
  free(dev->fw.data);
  dev->fw.data = NULL;
  dev->fw.capacity = 0;
  dev->fw.received = 0;
  dev->fw.next_block = 0;
  dev->fw.block_szx = 0;
}
