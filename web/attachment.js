// One attached file in the list: its upload (progress, cancel, retry), then the original beside what will arrive.
import { startUpload } from './upload.js';
import { formatBytes, transformationInWords } from './words.js';

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
};

/**
 * Adds a file to `list` and uploads it. `announce(text)` speaks through the page's live region; once ready the
 * item offers itself for sending (a radio, `item.choose`), chosen at once if `mayTakeOver()` says so. Returns the
 * item: { li, label, media, choose }.
 */
export function addAttachment(list, file, { budgetBytes, announce, onRemove, mayTakeOver = () => true }) {
  const label = file.name || 'pasted file';
  const original = originalFigure(file);
  let settled = false; // hosted or refused: the upload is over on the service
  const bar = el('div', { className: 'bar' });
  const progress = el('div', { className: 'progress' }, bar);
  Object.entries({ role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0', 'aria-label': `Upload of ${label}` }).forEach(([k, v]) => progress.setAttribute(k, v));
  const percent = el('span', { className: 'percent' }, '0 %');
  const status = el('p', { className: 'status' }, 'Uploading…');
  const cancel = el('button', { type: 'button', textContent: 'Cancel' });
  const retry = el('button', { type: 'button', textContent: 'Retry', hidden: true });
  const remove = el('button', { type: 'button', textContent: 'Remove', hidden: true });
  const result = el('figure', { className: 'result' }, el('figcaption', {}, 'What will arrive'), el('p', { className: 'pending' }, 'Shown once the service has prepared it.'));
  const li = el(
    'li',
    { className: 'attachment' },
    el('h3', {}, label, ' ', el('span', { className: 'muted' }, formatBytes(file.size))),
    el('div', { className: 'progress-row' }, progress, percent),
    status,
    el('div', { className: 'actions' }, cancel, retry, remove),
    el('div', { className: 'compare' }, original.figure, result),
  );
  list.append(li);
  const item = { li, media: undefined, label };

  let spoken = -1;
  const setProgress = (fraction) => {
    const value = Math.min(100, Math.round(fraction * 100));
    progress.setAttribute('aria-valuenow', String(value));
    bar.style.width = `${value}%`;
    percent.textContent = `${value} %`;
    // Spoken at each quarter, not at every event.
    const quarter = Math.floor(value / 25);
    if (quarter !== spoken) {
      spoken = quarter;
      announce(`${label}: ${value} % uploaded`);
    }
  };
  const upload = startUpload(file, {
    progress: setProgress,
    processing: (fraction) => {
      setProgress(1);
      status.textContent = fraction === undefined ? 'Uploaded; the service is preparing it…' : `Uploaded; preparing it… ${Math.round(fraction * 100)} %`;
    },
    ready: (media) => {
      settled = true;
      item.media = media;
      cancel.hidden = true;
      remove.hidden = false;
      status.textContent = 'Ready to send.';
      original.facts.textContent = originalFacts(file, media.original);
      result.replaceChildren(...resultFigure(media, budgetBytes));
      // The newest ready file is the one sent, unless the agent has picked another or typed a Media URL.
      item.choose = el('input', { type: 'radio', name: 'chosen-media', checked: mayTakeOver() });
      li.append(el('label', { className: 'choose' }, item.choose, ' Send this file'));
      announce(`${label} is ready: ${formatBytes(media.size)}, ${describeChanges(media).join(', ') || 'sent as it is'}.`);
    },
    failed: (sentence, refused) => {
      status.textContent = sentence;
      status.classList.add('error');
      settled = refused; // the service said no to the file itself: retrying will not change that
      cancel.hidden = true;
      retry.hidden = refused;
      remove.hidden = false;
      if (refused) result.replaceChildren(el('figcaption', {}, 'Refused'), el('p', { className: 'error' }, sentence));
      announce(`${label}: ${sentence}`);
    },
  });
  cancel.addEventListener('click', async () => {
    const removed = upload.cancel();
    settled = true;
    status.textContent = 'Cancelled.';
    cancel.hidden = true;
    retry.hidden = false;
    remove.hidden = false;
    announce(`${label}: upload cancelled`);
    if (!(await removed)) status.textContent = 'Cancelled here, but the service could not remove the upload: if all of it had arrived, it is being processed.';
  });
  retry.addEventListener('click', () => {
    settled = false;
    status.textContent = 'Uploading…';
    status.classList.remove('error');
    retry.hidden = true;
    remove.hidden = true;
    cancel.hidden = false;
    upload.retry();
  });
  remove.addEventListener('click', () => {
    if (!settled) upload.cancel(); // a cancelled, refused or hosted file has nothing left to end on the service
    URL.revokeObjectURL(original.url);
    li.remove();
    onRemove(item);
  });
  return item;
}

/** What was done, in words, in the order the service did it. */
export const describeChanges = (media) => (media.transformations ?? []).map(transformationInWords);

/** The file as picked, shown by the browser itself when it can (a blob: URL; HEIC and HEVC often cannot be shown). */
function originalFigure(file) {
  const url = URL.createObjectURL(file);
  const cannot = el('p', { className: 'muted', hidden: true }, 'This browser cannot show the original; what will arrive is shown with it.');
  const kind = file.type.split('/')[0];
  let view;
  if (kind === 'image') view = el('img', { src: url, alt: `Original: ${file.name}` });
  else if (kind === 'video') view = el('video', { src: url, controls: true, preload: 'metadata', muted: true });
  else if (kind === 'audio') view = el('audio', { src: url, controls: true, preload: 'metadata' });
  else view = el('a', { href: url, target: '_blank', rel: 'noopener', textContent: 'Open the original' });
  view.addEventListener('error', () => {
    view.hidden = true;
    cannot.hidden = false;
  });
  const facts = el('p', { className: 'facts' }, `${file.type || 'unknown type'}, ${formatBytes(file.size)}`);
  const figure = el('figure', { className: 'original' }, el('figcaption', {}, 'Original'), view, cannot, facts);
  return { figure, url, facts };
}

/** What the service found in the original: its dimensions as shown, its length and its codecs. */
function originalFacts(file, o) {
  const parts = [file.type || o.content_type || 'unknown type', formatBytes(o.size)];
  if (o.width) parts.push(`${o.width}×${o.height}`);
  if (o.duration !== undefined) parts.push(`${Math.round(o.duration * 10) / 10} s`);
  if (o.codecs?.length) parts.push(o.codecs.map((c) => c.toUpperCase()).join(' + '));
  return parts.join(', ');
}

/** The hosted file: a player or picture loaded from its hosted URL, its size against the budget, what was done. */
function resultFigure(media, budgetBytes) {
  const shown = `${media.extension.toUpperCase()}${media.width ? `, ${media.width}×${media.height}` : ''}`;
  let view;
  if (media.kind === 'image') view = el('img', { src: media.url, alt: `What will arrive: ${shown}` });
  else if (media.kind === 'video') view = el('video', { src: media.url, controls: true, preload: 'metadata' });
  else if (media.kind === 'audio') view = el('audio', { src: media.url, controls: true, preload: 'metadata' });
  else view = el('a', { href: media.url, target: '_blank', rel: 'noopener', textContent: `Open the ${media.extension.toUpperCase()}` });
  const fits = media.size <= budgetBytes;
  const size = el('p', { className: fits ? 'size ok' : 'size warn' }, `${formatBytes(media.size)} — ${fits ? 'under' : 'over'} the ${formatBytes(budgetBytes)} budget`);
  const changes = describeChanges(media);
  const list = changes.length ? el('ul', { className: 'changes' }, ...changes.map((c) => el('li', {}, c))) : el('p', { className: 'changes' }, 'Sent as it is: nothing needed changing.');
  return [el('figcaption', {}, 'What will arrive'), view, el('p', { className: 'facts' }, `${media.content_type}, ${shown}`), size, list];
}
