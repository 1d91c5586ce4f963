//! TFRecord framing: every record is its length (u64, little-endian), the masked CRC32C of the
//! 8 length bytes, the payload, and the masked CRC32C of the payload (both CRCs u32,
//! little-endian).

use anyhow::{bail, Result};

/// Added to the rotated CRC by [`masked_crc32c`] (TensorFlow's `kMaskDelta`).
const MASK_DELTA: u32 = 0xa282_ead8;

/// Bytes of a record besides its payload: length, its CRC, the payload's CRC.
const OVERHEAD: usize = 8 + 4 + 4;

/// TensorFlow's masked CRC32C of `data`: the CRC rotated right by 15 bits plus `0xa282ead8`
/// (wrapping), so that a CRC of bytes that hold CRCs does not degenerate.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// `payload` framed as one TFRecord.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let length = (payload.len() as u64).to_le_bytes();
    let mut record = Vec::with_capacity(payload.len() + OVERHEAD);
    record.extend_from_slice(&length);
    record.extend_from_slice(&masked_crc32c(&length).to_le_bytes());
    record.extend_from_slice(payload);
    record.extend_from_slice(&masked_crc32c(payload).to_le_bytes());
    record
}

/// The payloads of the TFRecords in `bytes`, in order, after checking both CRCs of every
/// record. A record cut short or a CRC that does not match is an error naming its byte offset.
pub fn unframe(bytes: &[u8]) -> Result<Vec<&[u8]>> {
    let mut payloads = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < 12 {
            bail!("record at byte {at} is cut short (no complete length header)");
        }
        let (length, rest) = rest.split_at(8);
        let (length_crc, rest) = rest.split_at(4);
        if masked_crc32c(length).to_le_bytes() != length_crc {
            bail!("record at byte {at}: the CRC of its length does not match");
        }
        let len = u64::from_le_bytes(length.try_into().expect("8 bytes"));
        let len = usize::try_from(len)
            .ok()
            .filter(|&n| n <= rest.len().saturating_sub(4))
            .ok_or_else(|| anyhow::anyhow!("record at byte {at} is cut short"))?;
        let (payload, rest) = rest.split_at(len);
        if masked_crc32c(payload).to_le_bytes() != rest[..4] {
            bail!("record at byte {at}: the CRC of its payload does not match");
        }
        payloads.push(payload);
        at += len + OVERHEAD;
    }
    Ok(payloads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_is_the_castagnoli_crc_and_the_mask_is_tensorflows() {
        // The standard check value of CRC-32C (Castagnoli).
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        let crc: u32 = 0xe306_9283;
        // TensorFlow's formula as written there, to check `rotate_right` against.
        #[allow(clippy::manual_rotate)]
        let masked = ((crc >> 15) | (crc << 17)).wrapping_add(0xa282_ead8);
        assert_eq!(masked_crc32c(b"123456789"), masked);
    }

    #[test]
    fn a_framed_record_has_the_documented_layout_and_unframes_back() {
        let payload = b"hello, tensorboard";
        let record = frame(payload);
        assert_eq!(record.len(), payload.len() + 16);
        assert_eq!(record[..8], (payload.len() as u64).to_le_bytes());
        assert_eq!(record[8..12], masked_crc32c(&record[..8]).to_le_bytes());
        assert_eq!(&record[12..12 + payload.len()], payload);
        assert_eq!(
            record[12 + payload.len()..],
            masked_crc32c(payload).to_le_bytes()
        );

        let mut two = record.clone();
        two.extend(frame(b""));
        assert_eq!(unframe(&two).unwrap(), vec![&payload[..], &b""[..]]);
    }

    #[test]
    fn unframe_refuses_corrupt_or_cut_records() {
        let mut bytes = frame(b"first");
        bytes.extend(frame(b"second"));
        let second = frame(b"first").len(); // where the second record starts
        for cut in [1, 11, 12, second + 13, bytes.len() - 1] {
            let err = unframe(&bytes[..cut]).unwrap_err().to_string();
            assert!(err.contains("cut short"), "cut at {cut}: {err}");
        }
        let mut flipped = bytes.clone();
        flipped[second + 14] ^= 1;
        let err = unframe(&flipped).unwrap_err().to_string();
        assert!(err.contains(&format!("byte {second}")), "{err}");
        assert!(err.contains("payload"), "{err}");
        let mut flipped = bytes;
        flipped[0] ^= 1;
        assert!(unframe(&flipped)
            .unwrap_err()
            .to_string()
            .contains("length"));
    }
}
