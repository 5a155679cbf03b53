/**
 * Bad data-set files (IDX, NPY, digits CSV, image folders) through `margin import-data` and the
 * `dataset.import` request: each is refused within seconds with a message naming the file and
 * the problem, without quoting the file, and the project is unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCorpus, MARK, type Built, type Case } from './corpus.ts';
import {
  digitsLine, encodeNpy, gzip, idxFolder, idxHeader, idxImages, idxLabels, imageFolder, jpegImage, mkfifo, png, pngClaiming, put, rawNpy, sparse,
} from './fixtures.ts';

const IMAGES = 0x803;
const LABELS = 0x801;
const ten = Array.from({ length: 10 }, (_, i) => i);

/** An IDX import of folder `dir`, by the CLI and the API. */
function idx(dir: string, re: RegExp): Built {
  return {
    cli: ['import-data', '--name', 'bad', '--format', 'idx', '--path', dir],
    api: ['dataset.import', { name: 'bad', format: 'idx', path: dir }],
    re,
  };
}

function npy(images: string, labels: string, re: RegExp): Built {
  return {
    cli: ['import-data', '--name', 'bad', '--format', 'npy', '--path', images, '--labels', labels],
    api: ['dataset.import', { name: 'bad', format: 'npy', path: images, labels }],
    re,
  };
}

function csv(file: string, re: RegExp, extra: string[] = []): Built {
  return {
    cli: ['import-data', '--name', 'bad', '--format', 'digits-csv', '--path', file, ...extra],
    api: extra.length === 0 ? ['dataset.import', { name: 'bad', format: 'digits-csv', path: file }] : undefined,
    re,
  };
}

function folder(dir: string, re: RegExp): Built {
  return {
    cli: ['import-data', '--name', 'bad', '--format', 'folder', '--path', dir],
    api: ['dataset.import', { name: 'bad', format: 'folder', path: dir }],
    re,
  };
}

const goodImagesNpy = (d: string) => put(d, 'x.npy', encodeNpy([10, 8, 8], new Uint8Array(640)));
const goodLabelsTxt = (d: string) => put(d, 'y.txt', ten.join('\n'));
/** Multi-member gzip of `mb` MiB of '0' characters: tiny on disk (~1 KB per MiB), huge inflated. */
let member: Buffer | null = null;
const gzipBomb = (mb: number) => Buffer.concat(Array.from({ length: mb }, () => (member ??= gzip(Buffer.alloc(2 ** 20, 0x30)))));

const cases: Case[] = [
  // ---- IDX
  { name: 'IDX: truncated images file', build: (d) => idx(idxFolder(d, idxImages(10).subarray(0, 16 + 300), idxLabels(ten)), /t10k-images-idx3-ubyte: truncated: 316 bytes present, expected 656 for dimensions \[10, 8, 8\]/) },
  { name: 'IDX: header claiming 2^31 items', build: (d) => idx(idxFolder(d, idxHeader(IMAGES, [2 ** 31, 28, 28]), idxLabels(ten)), /t10k-images-idx3-ubyte: the header announces dimensions \[2147483648, 28, 28\] .* more than a IDX images file/) },
  { name: 'IDX: header announcing 2 GB in a 1 KB file (refused before allocation)', build: (d) => idx(idxFolder(d, idxHeader(IMAGES, [100_000_000, 1, 20], Buffer.alloc(1000)), idxLabels(ten)), /truncated: 1016 bytes present, expected 2000000016 for dimensions \[100000000, 1, 20\]/) },
  { name: 'IDX: gzip bomb (10 images declared, 64 MB inflated)', build: (d) => idx(idxFolder(d, Buffer.concat([gzip(idxImages(10)), gzipBomb(64)]), idxLabels(ten)), /t10k-images-idx3-ubyte: the file is longer than its header says: more than 656 bytes \(after gunzip\)/) },
  { name: 'IDX: gzip announcing 640 MB that inflates to 1 KB', build: (d) => idx(idxFolder(d, gzip(idxHeader(IMAGES, [10_000_000, 8, 8], Buffer.alloc(1024))), idxLabels(ten)), /truncated: 1040 bytes present \(after gunzip\), expected 640000016/) },
  { name: 'IDX: corrupt gzip', build: (d) => idx(idxFolder(d, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from(MARK.repeat(20))]), idxLabels(ten)), /t10k-images-idx3-ubyte: the gzip data is corrupt or cut short/) },
  { name: 'IDX: images and labels swapped (wrong magic)', build: (d) => idx(idxFolder(d, idxLabels(ten), idxImages(10)), /t10k-images-idx3-ubyte: wrong magic number 0x00000801, expected 0x00000803/) },
  { name: 'IDX: empty images file', build: (d) => idx(idxFolder(d, Buffer.alloc(0), idxLabels(ten)), /t10k-images-idx3-ubyte: truncated: 0 bytes present/) },
  { name: 'IDX: images "file" is a directory', build: (d) => { fs.mkdirSync(path.join(d, 't10k-images-idx3-ubyte')); put(d, 't10k-labels-idx1-ubyte', idxLabels(ten)); return idx(d, /t10k-images-idx3-ubyte: IDX images file of split "test" must be a regular file, but this is a directory/); } },
  { name: 'IDX: images file is a FIFO (must not hang)', build: (d) => { mkfifo(d, 't10k-images-idx3-ubyte'); put(d, 't10k-labels-idx1-ubyte', idxLabels(ten)); return idx(d, /t10k-images-idx3-ubyte: IDX images file of split "test" must be a regular file, but this is a FIFO/); } },
  { name: 'IDX: labels file is a link to /dev/zero', build: (d) => { put(d, 't10k-images-idx3-ubyte', idxImages(10)); fs.symlinkSync('/dev/zero', path.join(d, 't10k-labels-idx1-ubyte')); return idx(d, /t10k-labels-idx1-ubyte: IDX labels file of split "test" must be a regular file, but this is a character device/); } },
  { name: 'IDX: 12 labels for 10 images', build: (d) => idx(idxFolder(d, idxImages(10), idxLabels([...ten, 1, 2])), /t10k-labels-idx1-ubyte: 12 labels for 10 images/) },
  { name: 'IDX: label 200 with ten classes', build: (d) => idx(idxFolder(d, idxImages(10), idxLabels([0, 1, 2, 200, 4, 5, 6, 7, 8, 9])), /t10k-labels-idx1-ubyte: label 200 of item 3 is outside 0…9/) },
  { name: 'IDX: images of 0×0 pixels', build: (d) => idx(idxFolder(d, idxHeader(IMAGES, [10, 0, 0]), idxLabels(ten)), /t10k-images-idx3-ubyte: images of 0×0 pixels: the size must be positive/) },
  { name: 'IDX: --path is a file, not a folder', build: (d) => idx(put(d, 'train.idx', idxImages(2)), /train\.idx: IDX folder must be a folder, but this is a regular file/) },
  { name: 'IDX: folder without the labels file', build: (d) => { put(d, 't10k-images-idx3-ubyte', idxImages(10)); return idx(d, /has t10k-images-idx3-ubyte but no t10k-labels-idx1-ubyte/); } },
  { name: 'IDX: folder does not exist', build: (d) => idx(path.join(d, 'missing'), /missing: IDX folder not found/) },
  { name: 'IDX: labels header magic of 3 dimensions', build: (d) => idx(idxFolder(d, idxImages(10), idxHeader(0x803, [10, 1, 1], Buffer.alloc(10))), /t10k-labels-idx1-ubyte: wrong magic number 0x00000803, expected 0x00000801/) },

  // ---- NPY
  { name: 'NPY: shape (1000000, 28, 28) in a 1 KB file', build: (d) => npy(put(d, 'x.npy', rawNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (1000000, 28, 28), }", Buffer.alloc(1000))), goodLabelsTxt(d), /x\.npy: truncated: 1128 bytes present, expected 784000128 for shape \(1000000, 28, 28\)/) },
  { name: 'NPY: Fortran order', build: (d) => npy(put(d, 'x.npy', rawNpy("{'descr': '|u1', 'fortran_order': True, 'shape': (10, 8, 8), }", Buffer.alloc(640))), goodLabelsTxt(d), /x\.npy: the array is stored in Fortran order/) },
  { name: 'NPY: object dtype', build: (d) => npy(put(d, 'x.npy', rawNpy("{'descr': '|O', 'fortran_order': False, 'shape': (10,), }", Buffer.alloc(80))), goodLabelsTxt(d), /x\.npy: the \.npy dtype is '\|O', which is not supported/) },
  { name: 'NPY: structured dtype carrying text', build: (d) => npy(put(d, 'x.npy', rawNpy(`{'descr': [('${MARK}', '<f4')], 'fortran_order': False, 'shape': (10,), }`, Buffer.alloc(40))), goodLabelsTxt(d), /x\.npy: unsupported \.npy dtype \(not a plain type code/) },
  { name: 'NPY: big-endian float images', build: (d) => npy(put(d, 'x.npy', rawNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (10, 8, 8), }", Buffer.alloc(2560))), goodLabelsTxt(d), /x\.npy: big-endian \.npy dtype '>f4' is not supported/) },
  { name: 'NPY: header length of 60,000 bytes in a v2 header', build: (d) => { const b = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0, 0, 0, 0, 0]); b.writeUInt32LE(2 ** 30, 8); return npy(put(d, 'x.npy', b), goodLabelsTxt(d), /x\.npy: the \.npy header claims to be 1073741824 bytes long/); } },
  { name: 'NPY: header that is not a Python literal', build: (d) => npy(put(d, 'x.npy', rawNpy(`{'descr': '|u1', ${MARK}`)), goodLabelsTxt(d), /x\.npy: the \.npy header is not a valid Python dict literal \(.* at character \d+\)/) },
  { name: 'NPY: a zip (.npz) given as .npy', build: (d) => npy(put(d, 'x.npy', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from(MARK)])), goodLabelsTxt(d), /x\.npy: not a NumPy \.npy file/) },
  { name: 'NPY: images of 4 channels', build: (d) => npy(put(d, 'x.npy', encodeNpy([10, 2, 2, 4], new Uint8Array(160))), goodLabelsTxt(d), /x\.npy: .* have 4 channels; expected 1 or 3/) },
  { name: 'NPY: float images with NaN', build: (d) => npy(put(d, 'x.npy', encodeNpy([10, 1, 1], Float32Array.from(ten, (i) => (i === 7 ? Number.NaN : 0.5)))), goodLabelsTxt(d), /x\.npy: item 7 has a non-finite pixel value/) },
  { name: 'NPY: one label of 2e9 (no 2e9 class names)', build: (d) => npy(goodImagesNpy(d), put(d, 'y.npy', encodeNpy([10], BigInt64Array.from(ten, (i) => (i === 4 ? 2_000_000_000n : 1n)))), /y\.npy: label 2000000000 of item 4 would mean 2000000001 classes, more than the 100,000/) },
  { name: 'NPY: negative label', build: (d) => npy(goodImagesNpy(d), put(d, 'y.txt', '0\n1\n-3\n1\n1\n1\n1\n1\n1\n1\n'), /y\.txt: label -3 of item 2 is outside 0…1/) },
  { name: 'NPY: NaN label in a text file', build: (d) => npy(goodImagesNpy(d), put(d, 'y.txt', `0\n1\nnan\n${MARK}\n`), /y\.txt: line 3 is not an integer label/) },
  { name: 'NPY: labels file is /dev/zero', build: (d) => npy(goodImagesNpy(d), '/dev/zero', /\/dev\/zero: labels file must be a regular file, but this is a character device/) },
  { name: 'NPY: labels file is a FIFO', build: (d) => npy(goodImagesNpy(d), mkfifo(d, 'y.txt'), /y\.txt: labels file must be a regular file, but this is a FIFO/) },
  // Inflating 128 MB is the slowest case: through the CLI only.
  { name: 'NPY: labels gzip bomb (160 MB of text)', build: (d) => ({ ...npy(goodImagesNpy(d), put(d, 'y.txt.gz', gzipBomb(160)), /y\.txt\.gz: labels file inflates to more than 128 MB/), api: undefined }) },
  { name: 'NPY: images file is a directory', build: (d) => { fs.mkdirSync(path.join(d, 'x.npy')); return npy(path.join(d, 'x.npy'), goodLabelsTxt(d), /x\.npy: images \.npy file must be a regular file, but this is a directory/); } },
  { name: 'NPY: 7 labels for 10 images', build: (d) => npy(goodImagesNpy(d), put(d, 'y.txt', '0\n1\n2\n3\n4\n5\n6\n'), /y\.txt: 7 labels for 10 images/) },
  { name: 'NPY: images file over 2 GB (sparse)', build: (d) => npy(sparse(d, 'x.npy', 2 ** 31 + 10), goodLabelsTxt(d), /x\.npy: images \.npy file is 2\.0 GB, more than the 2\.0 GB such a file may have/) },

  // ---- UCI digits CSV
  { name: 'CSV: a 1 MB line', build: (d) => csv(put(d, 'd.csv', `${digitsLine(1)}\n${MARK.repeat(60_000)}\n`), /d\.csv: line 2 is 1,140,000 characters long/) },
  { name: 'CSV: label 2e9', build: (d) => csv(put(d, 'd.csv', `${digitsLine(1)}\n${digitsLine(2_000_000_000)}\n`), /d\.csv: label 2000000000 of line 2 is outside 0…9/) },
  { name: 'CSV: pixel NaN', build: (d) => csv(put(d, 'd.csv', `${digitsLine(1)}\n${digitsLine(3, 'NaN')}\n`), /d\.csv: line 2, field 1 is not an integer pixel value in 0…16/) },
  { name: 'CSV: label that is text', build: (d) => csv(put(d, 'd.csv', `${digitsLine(MARK)}\n`), /d\.csv: line 1, field 65: the label is not an integer/) },
  { name: 'CSV: empty file', build: (d) => csv(put(d, 'd.csv', ''), /d\.csv: the CSV holds no data lines/) },
  { name: 'CSV: wrong field count', build: (d) => csv(put(d, 'd.csv', `1,2,3,${MARK}\n`), /d\.csv: line 1 has 4 fields, expected 65/) },
  { name: 'CSV: a FIFO', build: (d) => csv(mkfifo(d, 'd.csv'), /d\.csv: digits CSV file must be a regular file, but this is a FIFO/) },
  { name: 'CSV: 100 MB file (sparse)', build: (d) => csv(sparse(d, 'd.csv', 100 * 2 ** 20), /d\.csv: digits CSV file is 100 MB, more than the 64 MB/) },
  { name: 'CSV: --test-fraction 0', build: (d) => ({ ...csv(put(d, 'd.csv', `${digitsLine(1)}\n${digitsLine(2)}\n`), /--test-fraction must be a number in \(0, 1\), got 0/, ['--test-fraction', '0']), code: 'BAD_REQUEST' }) },
  { name: 'CSV: --test-fraction 1.5', build: (d) => ({ ...csv(put(d, 'd.csv', `${digitsLine(1)}\n`), /--test-fraction must be a number in \(0, 1\), got 1\.5/, ['--test-fraction', '1.5']), code: 'BAD_REQUEST' }) },
  { name: 'CSV: --test-fraction NaN', build: (d) => ({ ...csv(put(d, 'd.csv', `${digitsLine(1)}\n`), /--test-fraction must be a number in \(0, 1\), got "NaN"/, ['--test-fraction', 'NaN']), code: 'BAD_REQUEST' }) },
  { name: 'CSV: --seed=-1', build: (d) => ({ ...csv(put(d, 'd.csv', `${digitsLine(1)}\n`), /--seed must be an integer from 0 to 2147483647, got -1/, ['--test-fraction', '0.5', '--seed=-1']), code: 'BAD_REQUEST' }) },

  // ---- image folders
  { name: 'Folder: PNG claiming 100000×100000', build: (d) => { imageFolder(d); put(d, 'b/huge.png', pngClaiming(100_000, 100_000)); return folder(d, /b\/huge\.png: the PNG header gives 100000×100000 pixels .* more than the 16,777,216/); } },
  { name: 'Folder: corrupt JPEG after a valid header', build: (d) => { const j = jpegImage(8, 8); put(d, 'a/0.jpg', Buffer.concat([j.subarray(0, j.length - 40), Buffer.from(MARK.repeat(4))])); put(d, 'b/0.jpg', Buffer.concat([j.subarray(0, 200), Buffer.from(MARK)])); return folder(d, /\/0\.jpg: the image cannot be decoded: the JPEG data is corrupt or cut short/); } },
  { name: 'Folder: JPEG cut before its frame header', build: (d) => { imageFolder(d); put(d, 'b/cut.jpg', jpegImage(8, 8).subarray(0, 30)); return folder(d, /b\/cut\.jpg: the image cannot be decoded: the JPEG is cut short before its frame header/); } },
  { name: 'Folder: JPEG claiming 60000×60000', build: (d) => { imageFolder(d); const j = Buffer.from(jpegImage(8, 8)); const sof = j.indexOf(Buffer.from([0xff, 0xc0])); j.writeUInt16BE(60000, sof + 5); j.writeUInt16BE(60000, sof + 7); put(d, 'a/big.jpg', j); return folder(d, /a\/big\.jpg: the JPEG header gives 60000×60000 pixels/); } },
  { name: 'Folder: images of two sizes', build: (d) => { imageFolder(d); put(d, 'b/other.png', png(9, 8)); return folder(d, /b\/other\.png: image is 9×8 .* All images must share one size/); } },
  { name: 'Folder: no class folders', build: (d) => { put(d, 'loose.png', png(8, 8)); return folder(d, /no class sub-folders \(empty data set\)/); } },
  { name: 'Folder: text file named .png', build: (d) => { imageFolder(d); put(d, 'a/fake.png', `${MARK} plain text`); return folder(d, /a\/fake\.png: the image cannot be decoded: it is neither PNG nor JPEG/); } },
  { name: 'Folder: --path is a file', build: (d) => folder(put(d, 'one.png', png(8, 8)), /one\.png: image folder must be a folder, but this is a regular file/) },
  { name: 'Folder: class folder holding only a FIFO named .png', build: (d) => { imageFolder(d); fs.mkdirSync(path.join(d, 'c')); mkfifo(path.join(d, 'c'), 'x.png'); return folder(d, /class folder "c" holds no PNG or JPEG images/); } },
  { name: 'Folder: PNG header of 0×0 pixels', build: (d) => { imageFolder(d); put(d, 'a/zero.png', pngClaiming(0, 0)); return folder(d, /a\/zero\.png: the PNG header gives a size of 0×0 pixels/); } },
];

runCorpus('bad data-set files (CLI import-data and API dataset.import)', cases);
