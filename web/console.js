// The console page: key, send fields, attachments and the Media URL check, then Send.
import { apiKey, callApi, loadSettings } from './api.js';
import { addAttachment } from './attachment.js';
import { checkPhone } from './phone.js';
import { formatBytes, problemHeadline, sendReplyInWords } from './words.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
};

const announcer = $('announcer');
const announce = (text) => (announcer.textContent = text);

// The key: typed once, kept for this tab (sessionStorage). Wired before anything is awaited, and what was typed
// while this script was still loading (a slow connection) is kept, not replaced by the stored key.
const keyInput = $('api-key');
keyInput.value ||= apiKey.get();
apiKey.set(keyInput.value.trim());
keyInput.addEventListener('input', () => apiKey.set(keyInput.value.trim()));
$('forget-key').addEventListener('click', () => {
  apiKey.set('');
  keyInput.value = '';
  announce('The API key is forgotten for this tab.');
});

const { budget_bytes: budgetBytes } = await loadSettings();
const items = new Set();

/** Shows (or clears) a field's problem, tied to it with aria-describedby and aria-invalid. */
function fieldProblem(input, sentence) {
  const out = $(`${input.id}-error`);
  out.textContent = sentence ?? '';
  out.hidden = !sentence;
  if (sentence) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  return !sentence;
}

const phone = $('phone');
const checkPhoneField = () => {
  if (phone.value.trim() === '') return fieldProblem(phone, 'Enter the phone number to send to.');
  return fieldProblem(phone, checkPhone(phone.value).problem);
};
phone.addEventListener('change', checkPhoneField);
const campaign = $('campaign');
const checkCampaign = () => fieldProblem(campaign, campaign.value.trim() ? undefined : 'Enter the campaign id.');
campaign.addEventListener('change', checkCampaign);

// Attaching: file pickers (camera and microphone through `capture`), drag and drop, paste.
const list = $('attachments');
// A file the agent picked by hand, or a Media URL typed, stays what Send sends when another file becomes ready.
let pickedByHand = false;
list.addEventListener('change', (e) => {
  if (e.target.name === 'chosen-media') pickedByHand = true; // only a person's click fires change on a radio
});
function attach(files) {
  for (const file of files) {
    const item = addAttachment(list, file, {
      budgetBytes,
      announce,
      mayTakeOver: () => !pickedByHand && $('media-url').value.trim() === '',
      onRemove: (gone) => {
        if (gone.choose?.checked) pickedByHand = false;
        items.delete(gone);
      },
    });
    items.add(item);
  }
}
for (const input of document.querySelectorAll('input[type=file]')) {
  input.addEventListener('change', () => {
    attach([...input.files]);
    input.value = '';
  });
}
const dropZone = $('drop-zone');
dropZone.addEventListener('dragover', (e) => {
  e.preventDefault();
  dropZone.classList.add('over');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
dropZone.addEventListener('drop', (e) => {
  e.preventDefault();
  dropZone.classList.remove('over');
  attach([...(e.dataTransfer?.files ?? [])]);
});
// A file dropped beside the zone must not make the browser leave the page to open it.
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => e.preventDefault());
document.addEventListener('paste', (e) => {
  const files = [...(e.clipboardData?.files ?? [])];
  if (files.length === 0) return; // text pasted into a field stays text
  e.preventDefault();
  attach(files);
});

// The Media URL: checked the way a carrier will fetch it (POST /v1/media/preflight).
const mediaUrl = $('media-url');
const report = $('url-report');
mediaUrl.addEventListener('input', () => {
  for (const item of items) if (item.choose) item.choose.checked = false; // typing a link means sending the link
  pickedByHand = false; // the link is the choice now, for as long as it is there
  report.replaceChildren();
});
// Enter in the Media URL field checks the link; it never sends.
mediaUrl.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  $('check').click();
});
$('check').addEventListener('click', async () => {
  const url = mediaUrl.value.trim();
  if (!url) return showReport([el('p', { className: 'error' }, 'Enter a link to check.')]);
  showReport([el('p', {}, 'Checking…')]);
  const { status, body } = await callApi('POST', '/v1/media/preflight', { media_url: url });
  if (status !== 200) return showReport([el('p', { className: 'error' }, body.error)]);
  showReport(reportInWords(body));
});
const showReport = (nodes) => report.replaceChildren(...nodes.filter(Boolean));

function reportInWords(r) {
  const what = r.detected ? `${r.detected.extension.toUpperCase()} ${r.detected.kind ?? 'file'}${r.size !== null ? `, ${formatBytes(r.size)}` : ''}` : undefined;
  const errors = r.problems.filter((p) => p.severity === 'error');
  const headline = r.ok
    ? el('p', { className: 'ok' }, `This link can be sent as it is${what ? `: ${what}` : ''}.`)
    : el('p', { className: 'error' }, `This link would not arrive as it is${what ? ` (${what})` : ''}.`);
  const fixable = !r.ok && r.fetchable && errors.every((p) => p.rehostable);
  return [
    headline,
    r.problems.length ? el('ul', { className: 'problems' }, ...r.problems.map(problemItem)) : undefined,
    fixable ? el('p', {}, 'Send fixes this: the service hosts a corrected copy and sends that instead.') : undefined,
  ];
}
const problemItem = (p) =>
  el('li', { className: p.severity }, el('strong', {}, problemHeadline(p)), ' ', p.message, el('br'), el('span', { className: 'fix' }, `What to do: ${p.fix}`));

// Send: the chosen hosted file (or the Media URL) to the number, through POST /v1/mms/send.
const reply = $('reply');
const sendButton = $('send');
$('send-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const fieldsOk = [checkCampaign(), checkPhoneField()].every(Boolean);
  const chosen = [...items].find((item) => item.choose?.checked);
  const media_url = chosen?.media.url ?? mediaUrl.value.trim();
  if (!fieldsOk || !media_url) {
    return showReply('Not sent', !fieldsOk ? 'Fix the fields marked above.' : 'Nothing to send yet: choose a file once it reads "Ready to send", or enter a Media URL.', false);
  }
  sendButton.disabled = true;
  showReply('Sending…', '', undefined);
  const message = $('message').value;
  const { status, body } = await callApi('POST', '/v1/mms/send', {
    campaign_id: campaign.value.trim(),
    phone_number: checkPhone(phone.value).e164,
    media_url,
    ...(message.trim() && { message }),
  });
  sendButton.disabled = false;
  const said = sendReplyInWords(status, body);
  const notes = [body?.media?.rehosted && 'The link had problems, so a corrected copy was hosted and sent.', ...(body?.preflight?.problems ?? []).map((p) => `${problemHeadline(p)} ${p.message}`)];
  showReply(said.title, said.detail, said.ok, notes.filter(Boolean));
});

function showReply(title, detail, ok, notes = []) {
  reply.className = ok === undefined ? '' : ok ? 'ok' : 'error';
  reply.replaceChildren(...[el('h2', {}, title), detail && el('p', {}, detail), notes.length > 0 && el('ul', {}, ...notes.map((n) => el('li', {}, n)))].filter(Boolean));
}
