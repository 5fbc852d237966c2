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
