// React: dangerouslySetInnerHTML with data from the URL.
import React from 'react';
import DOMPurify from 'dompurify';

export function Banner() {
  const text = new URLSearchParams(window.location.search).get('banner');
  return (
    // ruleid: js/xss
    <div dangerouslySetInnerHTML={{ __html: text }} />
  );
}

export function Continue() {
  const next = new URLSearchParams(window.location.search).get('next');
  // a javascript: URL runs when clicked
  // ruleid: js/xss
  return <a href={next}>continue</a>;
}

export function SafeLink({ id }) {
  const tab = new URLSearchParams(window.location.search).get('tab');
  // ok: js/xss
  return <a href={`/items/${id}?tab=${tab}`}>open</a>;
}

export function openHelp() {
  const topic = new URLSearchParams(window.location.search).get('help');
  // ruleid: js/open-redirect
  window.open(topic);
}

export function SafeBanner() {
  const text = new URLSearchParams(window.location.search).get('banner');
  return (
    <div>
      {/* ok: js/xss */}
      <div dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(text) }} />
      {/* ok: js/xss */}
      <p>{text}</p>
    </div>
  );
}

export function Export({ buildHref }) {
  const sort = new URLSearchParams(window.location.search).get('sort');
  // ok: js/xss
  return <a href={buildHref('/v1/export', { sort })}>export</a>;
}

export function Back() {
  const params = new URLSearchParams(window.location.search);
  // ruleid: js/xss
  return <a href={params.get('back')}>back</a>;
}
