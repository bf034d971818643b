/**
 * Files the field app attaches, read on the device: a photo downscaled through a canvas (a phone's
 * 12-megapixel picture is ~4 MB; at 1,600 px on its longer side, JPEG 0.85, it is a few hundred
 * KB, enough for a dermatologist), and files read as base64 as they are.
 */
import { ATTACHMENT_MAX_BYTES } from './clinical-records.ts';

export interface Picture {
  data: string;
  contentType: 'image/jpeg';
  width: number;
  height: number;
  bytes: number;
}

const LONGER_SIDE = 1600;

/** Base64 of a file, without its data: prefix. */
export async function base64Of(file: Blob): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  return url.slice(url.indexOf(',') + 1);
}

/** The picture at most LONGER_SIDE px and ATTACHMENT_MAX_BYTES, or undefined if it stays larger. */
export async function downscaledPicture(file: File): Promise<Picture | undefined> {
  const bitmap = await createImageBitmap(file);
  let side = Math.min(LONGER_SIDE, Math.max(bitmap.width, bitmap.height));
  for (const quality of [0.85, 0.7, 0.55]) {
    const scale = side / Math.max(bitmap.width, bitmap.height);
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, width, height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    if (blob && blob.size <= ATTACHMENT_MAX_BYTES)
      return { data: await base64Of(blob), contentType: 'image/jpeg', width, height, bytes: blob.size };
    side = Math.round(side * 0.75);
  }
  return undefined;
}
