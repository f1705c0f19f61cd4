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

/// The directory's named streams: (name, start sector, size).
fn directory(cfb: &Cfb<'_>, bytes: &[u8]) -> Vec<(String, u32, u64)> {
    let Some(dir_start) = u32_at(bytes, 0x30) else {
        return Vec::new();
    };
    let dir = cfb.read_chain(dir_start, 1 << 20);
    dir.chunks_exact(128)
        .map(|e| {
            let name_len = usize::from(u16_at(e, 64).unwrap_or(0)).min(64);
            let units: Vec<u16> = e[..name_len]
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .take_while(|&u| u != 0)
                .collect();
            let start = u32_at(e, 116).unwrap_or(END_OF_CHAIN);
            let size = u32_at(e, 120).unwrap_or(0) as u64;
            let name = if e[66] == 2 || e[66] == 5 {
                String::from_utf16_lossy(&units)
            } else {
                String::new()
            };
            (name, start, size)
        })
        .collect()
}

/// Up to `max` bytes of the `Workbook` (or BIFF5 `Book`) stream, from the regular sectors or,
/// for a stream under the cutoff, from the mini stream. None when the file has none.
fn workbook_stream(bytes: &[u8], max: usize) -> Option<Vec<u8>> {
    let cfb = Cfb::parse(bytes)?;
    let entries = directory(&cfb, bytes);
    let (_, start, size) = entries
        .iter()
        .find(|(n, _, _)| n == "Workbook" || n == "Book")?
        .clone();
    let want = (size as usize).min(max);
    let cutoff = u32_at(bytes, 0x38).unwrap_or(4096) as u64;
    if size >= cutoff {
        return Some(cfb.read_chain(start, want));
    }
    // The mini stream: 64-byte sectors inside the root entry's stream, chained by the mini FAT.
    let (_, root_start, root_size) = entries.first()?.clone();
    let container = cfb.read_chain(root_start, (root_size as usize).min(1 << 26));
    let mini_shift = u16_at(bytes, 0x20).filter(|s| (1..=12).contains(s))?;
    let mini = 1usize << mini_shift;
    let minifat_bytes = cfb.read_chain(u32_at(bytes, 0x3C)?, 1 << 24);
    let minifat: Vec<u32> = (0..minifat_bytes.len() / 4)
        .filter_map(|i| u32_at(&minifat_bytes, i * 4))
        .collect();
    let mut out = Vec::new();
    let mut s = start;
    let mut steps = 0;
    while s != END_OF_CHAIN && out.len() < want && steps <= minifat.len() {
        steps += 1;
        let base = (s as usize).saturating_mul(mini);
        let Some(chunk) = container.get(base..base.saturating_add(mini)) else {
            break;
        };
        out.extend_from_slice(chunk);
        let Some(&next) = minifat.get(s as usize) else {
            break;
        };
        s = next;
    }
    out.truncate(want);
    Some(out)
}

/// Whether a CFB file is a password-protected workbook.
pub fn is_encrypted(bytes: &[u8]) -> bool {
    let Some(cfb) = Cfb::parse(bytes) else {
        return false;
    };
    if directory(&cfb, bytes)
        .iter()
        .any(|(n, _, _)| n == "EncryptionInfo" || n == "EncryptedPackage")
    {
        return true;
    }
    let Some(stream) = workbook_stream(bytes, 1 << 16) else {
        return false;
    };
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

/// Largest area (rows x columns between a sheet's first and last cell) calamine may lay out:
/// it builds a dense grid of every `.xls` sheet when the file is opened, so two cells at
/// opposite corners would make it allocate gigabytes and abort.
pub const MAX_XLS_AREA: u64 = 2_000_000;

/// Why calamine must not open this `.xls`: a cell beyond column IV (BIFF8 has 256 columns),
/// or a sheet whose cells span more than [`MAX_XLS_AREA`] cells. Scans every cell record
/// (row and column are their first two fields; MULRK/MULBLANK also name a last column).
pub fn extent_problem(bytes: &[u8]) -> Option<String> {
    let stream = workbook_stream(bytes, 256 << 20)?;
    let mut sheet = 0usize;
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    let check = |sheet: usize, b: Option<(u32, u32, u32, u32)>| -> Option<String> {
        let (r0, r1, c0, c1) = b?;
        let area = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
        (area > MAX_XLS_AREA).then(|| {
            format!(
                "sheet {sheet} spans {} rows x {} columns ({area} cells); Vouch reads .xls sheets up to {MAX_XLS_AREA}: the file is damaged or crafted",
                r1 - r0 + 1,
                c1 - c0 + 1
            )
        })
    };
    let mut at = 0usize;
    while let (Some(typ), Some(len)) = (u16_at(&stream, at), u16_at(&stream, at + 2)) {
        let data = stream.get(at + 4..at + 4 + usize::from(len)).unwrap_or(&[]);
        match typ {
            // BOF: a new substream (the globals, then one per sheet).
            0x0809 | 0x0409 | 0x0209 | 0x0009 => {
                if let Some(p) = check(sheet, bounds) {
                    return Some(p);
                }
                sheet += 1;
                bounds = None;
            }
            0x0006 | 0x00FD | 0x0203 | 0x027E | 0x0201 | 0x0204 | 0x0205 | 0x00D6 | 0x00BD
            | 0x00BE => {
                if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                    let last = if matches!(typ, 0x00BD | 0x00BE) && data.len() >= 6 {
                        u16_at(data, data.len() - 2).unwrap_or(c).max(c)
                    } else {
                        c
                    };
                    if last > 255 {
                        return Some(format!(
                            "a cell in sheet {} lies in column {} (row {}), beyond the 256 columns of an .xls sheet: the file is damaged or crafted",
                            sheet.saturating_sub(1),
                            u32::from(last) + 1,
                            u32::from(r) + 1
                        ));
                    }
                    let (r, c, last) = (u32::from(r), u32::from(c), u32::from(last));
                    bounds = Some(match bounds {
                        None => (r, r, c, last),
                        Some((r0, r1, c0, c1)) => (r0.min(r), r1.max(r), c0.min(c), c1.max(last)),
                    });
                }
            }
            _ => {}
        }
        at += 4 + usize::from(len);
    }
    check(sheet.saturating_sub(1), bounds)
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

    fn cell(typ: u16, r: u16, c: u16) -> (u16, Vec<u8>) {
        let mut d = Vec::new();
        d.extend(r.to_le_bytes());
        d.extend(c.to_le_bytes());
        d.extend([0u8; 10]);
        (typ, d)
    }

    #[test]
    fn cells_at_opposite_corners_or_past_column_iv_are_found() {
        let bof = (0x0809u16, vec![0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0]);
        let ok = cfb_with_workbook(
            &biff(&[bof.clone(), cell(0x0203, 0, 0), cell(0x0203, 500, 20)]),
            None,
        );
        assert_eq!(extent_problem(&ok), None);
        let corners = cfb_with_workbook(
            &biff(&[bof.clone(), cell(0x0203, 0, 0), cell(0x0203, 65535, 200)]),
            None,
        );
        assert!(extent_problem(&corners).unwrap().contains("rows x"));
        let wide = cfb_with_workbook(&biff(&[bof, cell(0x00FD, 3, 4000)]), None);
        assert!(extent_problem(&wide).unwrap().contains("column 4001"));
    }
}
