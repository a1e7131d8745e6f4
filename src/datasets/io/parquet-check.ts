// Checks a Parquet file's declared sizes before hyparquet decodes it. hyparquet trusts page
// headers and run lengths: a corrupted run of definition levels made it fill billions of values
// (minutes, gigabytes) for a 715-byte file. Here every column chunk must lie inside the file,
// every page inside its chunk, page value counts must add up to the chunk's, and the run
// lengths of (uncompressed, v2) definition levels must fit their page.
import type { FileMetaData } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';

// Rows the metadata may claim per byte of file (runs of nulls or repeats compress very well).
const ROWS_PER_BYTE = 4096;

export function checkParquetLayout(meta: FileMetaData, buffer: ArrayBuffer, fail: (message: string) => never): void {
  const rowLimit = Math.max(1_000_000, buffer.byteLength * ROWS_PER_BYTE);
  if (!(Number(meta.num_rows) <= rowLimit)) fail(`the metadata claims ${meta.num_rows} rows, more than a ${buffer.byteLength}-byte file can hold`);
  const view = new DataView(buffer);
  for (const [g, group] of meta.row_groups.entries()) {
    for (const chunk of group.columns) {
      const m = chunk.meta_data;
      if (!m) continue;
      const where = `column '${m.path_in_schema.join('.')}' of row group ${g}`;
      const start = Number(m.dictionary_page_offset || m.data_page_offset);
      const end = start + Number(m.total_compressed_size);
      if (!(start >= 0 && end <= buffer.byteLength)) fail(`${where}: its pages (bytes ${start}..${end}) lie outside the file`);
      const flatOptional = m.path_in_schema.length === 1 && meta.schema.find((s) => s.name === m.path_in_schema[0])?.repetition_type === 'OPTIONAL';
      checkPages(view, start, end, Number(m.num_values), flatOptional, (message) => fail(`${where}: ${message}`));
    }
  }
}

function checkPages(view: DataView, start: number, end: number, numValues: number, flatOptional: boolean, fail: (message: string) => never): void {
  let values = 0;
  for (let offset = start; offset < end && values < numValues; ) {
    const reader = { view, offset };
    const header = parquetHeader(reader);
    const body = reader.offset;
    if (!(header.compressed_page_size >= 0 && body + header.compressed_page_size <= end)) fail(`a page of ${header.compressed_page_size} bytes at byte ${offset} runs past its column chunk`);
    const v2 = header.data_page_header_v2;
    const count = (v2 ?? header.data_page_header)?.num_values;
    if (count !== undefined) {
      if (!(count >= 0 && values + count <= numValues)) fail(`a page holds ${count} values, more than the column's ${numValues} (corrupt page header)`);
      values += count;
      // Definition levels of a flat optional column: 1-bit runs, stored uncompressed in v2 pages
      // (a required header field; without it, or with a bad one, hyparquet reads on into the values).
      if (v2 && flatOptional && count > 0) {
        const length = v2.definition_levels_byte_length;
        const levels = body + (v2.repetition_levels_byte_length ?? 0);
        if (!(Number.isInteger(length) && length >= 0 && levels + length <= body + header.compressed_page_size)) {
          fail(`a v2 page header at byte ${offset} has definition_levels_byte_length ${length}, outside its ${header.compressed_page_size}-byte page`);
        }
        checkRuns(view, levels, levels + length, count, fail);
      }
    }
    offset = body + header.compressed_page_size;
  }
}

/** The RLE/bit-packed hybrid runs of 1-bit levels in [pos, end) must cover the page's `count` values, no more. */
function checkRuns(view: DataView, pos: number, end: number, count: number, fail: (message: string) => never): void {
  let seen = 0;
  while (seen < count && pos < end) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= end || shift > 28) fail('a run header of the definition levels is cut off or too long');
      const byte = view.getUint8(pos++);
      header += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) break;
    }
    const run = Math.floor(header / 2);
    if (header % 2 === 1) { seen += run * 8; pos += run; } else { seen += run; pos += 1; }
    if (seen > count + 7) fail(`the definition levels cover ${seen} values, the page holds ${count} (corrupt page)`);
  }
  // Short runs make hyparquet read on past the levels, into the values.
  if (seen < count) fail(`the definition levels cover ${seen} values, the page holds ${count} (corrupt page)`);
}

/**
 * Runs a hyparquet read, containing the rejections it leaves unobserved: when one column chunk
 * fails, hyparquet (1.31) rejects the read but may leave a sibling chunk's rejected promise
 * unhandled, which would end the process after our catch. Rejections from elsewhere during the
 * window are rethrown as they would have surfaced.
 */
export async function containingStrayRejections<T>(read: () => Promise<T>): Promise<T> {
  const onUnhandled = (reason: unknown): void => {
    if (reason instanceof Error && /[\\/]hyparquet[\\/]/.test(reason.stack ?? '')) return;
    process.nextTick(() => { throw reason; });
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    return await read();
  } finally {
    // Unhandled rejections are reported after the microtask queue drains: wait one macrotask.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
  }
}
