//! Telling a password-protected `.xls` apart from a damaged one.
//!
//! calamine reports an encrypted `.xls` only for some encryption types, and an encrypted
//! `.xlsx` renamed `.xls` (a CFB container holding `EncryptionInfo` and `EncryptedPackage`
//! streams) only as "cannot detect file format". Vouch promises to say "password-protected",
//! so this module reads just enough of the compound file (header, FAT, directory, the first
//! records of the `Workbook` stream) to find either sign: an encryption stream, or a FILEPASS
//! record (0x002F) among the workbook globals. Every offset is bounds-checked and every
//! sector chain is cut at the number of sectors in the file, so a crafted file can only make
//! this answer "not encrypted", never loop or index out of range.

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

struct Cfb<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
}

impl<'a> Cfb<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Cfb<'a>> {
        let shift = u16_at(bytes, 0x1E)?;
        if !(7..=16).contains(&shift) {
            return None;
        }
        let sector = 1usize << shift;
        let sectors_in_file = bytes.len() / sector;
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(bytes, 0x4C + i * 4))
            .filter(|&s| (s as usize) < sectors_in_file)
            .collect();
        // DIFAT chain beyond the header's 109 entries.
        let mut difat = u32_at(bytes, 0x44)?;
        let mut steps = 0;
        while (difat as usize) < sectors_in_file && steps < sectors_in_file {
            steps += 1;
            let base = (difat as usize + 1) * sector;
            let per = sector / 4 - 1;
            fat_sectors.extend(
                (0..per)
                    .filter_map(|i| u32_at(bytes, base + i * 4))
                    .filter(|&s| (s as usize) < sectors_in_file),
            );
            difat = u32_at(bytes, base + per * 4)?;
        }
        let mut fat = Vec::new();
        for s in fat_sectors.into_iter().take(sectors_in_file) {
            let base = (s as usize + 1) * sector;
            fat.extend((0..sector / 4).filter_map(|i| u32_at(bytes, base + i * 4)));
        }
        Some(Cfb { bytes, sector, fat })
    }

    /// Up to `max` bytes of the stream that starts at `start`, following the FAT.
    fn read_chain(&self, start: u32, max: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut s = start;
        let mut steps = 0;
        while s != END_OF_CHAIN && out.len() < max && steps <= self.fat.len() {
            steps += 1;
            let base = (s as usize + 1).saturating_mul(self.sector);
            let Some(chunk) = self.bytes.get(base..base.saturating_add(self.sector)) else {
                break;
            };
            out.extend_from_slice(chunk);
            let Some(&next) = self.fat.get(s as usize) else {
                break;
            };
            s = next;
        }
        out.truncate(max);
        out
    }
}

/// Whether a CFB file is a password-protected workbook.
pub fn is_encrypted(bytes: &[u8]) -> bool {
    let Some(cfb) = Cfb::parse(bytes) else {
        return false;
    };
    let Some(dir_start) = u32_at(bytes, 0x30) else {
        return false;
    };
    let cutoff = u32_at(bytes, 0x38).unwrap_or(4096) as u64;
    let dir = cfb.read_chain(dir_start, 1 << 20);
    let mut workbook: Option<(u32, u64)> = None;
    for e in dir.chunks_exact(128) {
        let name_len = usize::from(u16_at(e, 64).unwrap_or(0)).min(64);
        let units: Vec<u16> = e[..name_len]
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .take_while(|&u| u != 0)
            .collect();
        let name = String::from_utf16_lossy(&units);
        if name == "EncryptionInfo" || name == "EncryptedPackage" {
            return true;
        }
        if (name == "Workbook" || name == "Book") && e[66] == 2 {
            let start = u32_at(e, 116).unwrap_or(END_OF_CHAIN);
            let size = u32_at(e, 120).unwrap_or(0) as u64;
            workbook = Some((start, size));
        }
    }
    // A stream under the cutoff lives in the mini stream; calamine judges those itself.
    let Some((start, size)) = workbook.filter(|w| w.1 >= cutoff) else {
        return false;
    };
    let stream = cfb.read_chain(start, (size as usize).min(1 << 16));
    // BIFF records: type, length, data. FILEPASS comes among the first globals records.
    let mut at = 0usize;
    while let (Some(typ), Some(len)) = (u16_at(&stream, at), u16_at(&stream, at + 2)) {
        match typ {
            0x002F => return true,
            // EOF of the globals, or a sheet record: FILEPASS would have come before.
            0x000A | 0x0085 => return false,
            _ => {}
        }
        at += 4 + usize::from(len);
    }
    false
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A CFB file with one `Workbook` stream holding `records` (padded to 4096 bytes so it
    /// is a regular stream), 512-byte sectors.
    pub(crate) fn cfb_with_workbook(records: &[u8], extra_stream: Option<&str>) -> Vec<u8> {
        let mut stream = records.to_vec();
        stream.resize(4096.max(stream.len().div_ceil(512) * 512), 0);
        let data_sectors = stream.len() / 512;
        // Sector 0: FAT, sector 1: directory, sectors 2..: the stream.
        let mut h = vec![0u8; 512];
        h[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        h[0x18..0x1A].copy_from_slice(&0x3Eu16.to_le_bytes());
        h[0x1A..0x1C].copy_from_slice(&3u16.to_le_bytes());
        h[0x1C..0x1E].copy_from_slice(&0xFFFEu16.to_le_bytes());
        h[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes());
        h[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
        h[0x2C..0x30].copy_from_slice(&1u32.to_le_bytes());
        h[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
        h[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
        h[0x3C..0x40].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        h[0x44..0x48].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        for i in 0..109 {
            let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
            h[0x4C + i * 4..0x50 + i * 4].copy_from_slice(&v.to_le_bytes());
        }
        let mut fat = vec![0xFFu8; 512];
        let mut put = |i: usize, v: u32| fat[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
        put(0, 0xFFFF_FFFD);
        put(1, END_OF_CHAIN);
        for s in 0..data_sectors {
            let next = if s + 1 == data_sectors {
                END_OF_CHAIN
            } else {
                (s + 3) as u32
            };
            put(s + 2, next);
        }
        let entry = |name: &str, typ: u8, start: u32, size: u32| {
            let mut e = vec![0u8; 128];
            let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
            for (i, u) in units.iter().enumerate() {
                e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[64..66].copy_from_slice(&((units.len() * 2) as u16).to_le_bytes());
            e[66] = typ;
            e[67] = 1;
            e[68..80].copy_from_slice(&[0xFF; 12]);
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&size.to_le_bytes());
            e
        };
        let mut dir = entry("Root Entry", 5, END_OF_CHAIN, 0);
        dir[76..80].copy_from_slice(&1u32.to_le_bytes()); // child: entry 1
        dir.extend(entry("Workbook", 2, 2, stream.len() as u32));
        dir.extend(match extra_stream {
            Some(n) => entry(n, 2, END_OF_CHAIN, 0),
            None => vec![0u8; 128],
        });
        dir.resize(512, 0);
        let mut out = h;
        out.extend(fat);
        out.extend(dir);
        out.extend(stream);
        out
    }

    /// BIFF8 BOF (workbook globals) followed by `more` records and EOF.
    pub(crate) fn biff(more: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut recs = vec![(0x0809u16, vec![0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0])];
        recs.extend(more.iter().cloned());
        recs.push((0x000A, Vec::new()));
        let mut out = Vec::new();
        for (t, d) in recs {
            out.extend(t.to_le_bytes());
            out.extend((d.len() as u16).to_le_bytes());
            out.extend(d);
        }
        out
    }

    #[test]
    fn finds_filepass_and_encryption_streams() {
        let rc4 = cfb_with_workbook(&biff(&[(0x002F, vec![1, 0, 1, 0])]), None);
        assert!(is_encrypted(&rc4));
        let xor = cfb_with_workbook(&biff(&[(0x002F, vec![0, 0, 0x12, 0x34])]), None);
        assert!(is_encrypted(&xor));
        let plain = cfb_with_workbook(&biff(&[]), None);
        assert!(!is_encrypted(&plain));
        let ooxml = cfb_with_workbook(&[], Some("EncryptionInfo"));
        assert!(is_encrypted(&ooxml));
        assert!(!is_encrypted(&plain[..600]));
        assert!(!is_encrypted(&[0xD0; 10]));
    }
}
