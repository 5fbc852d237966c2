// DOM XSS (CWE-79) and client-side open redirect (CWE-601) in browser code.
const params = new URLSearchParams(location.search);

function show(message) {
  // ruleid: js/xss
  document.getElementById('msg').innerHTML = message;
}

show(params.get('msg'));

const name = decodeURIComponent(location.hash.slice(1));
// ruleid: js/xss
document.write('<h2>' + name + '</h2>');

// ruleid: js/xss
document.body.insertAdjacentHTML('beforeend', `<div>${document.referrer}</div>`);

const next = params.get('next');
// ruleid: js/open-redirect
window.location.href = next;

// ruleid: js/open-redirect
location.assign(new URL(document.URL).searchParams.get('to'));

// --- safe look-alikes

// ok: js/xss
document.getElementById('msg').textContent = params.get('msg');

// ok: js/xss
document.getElementById('static').innerHTML = '<b>static</b>';

// ok: js/xss
document.getElementById('clean').innerHTML = DOMPurify.sanitize(params.get('html'));

// ok: js/open-redirect
location.href = '/profile/' + encodeURIComponent(params.get('user'));
