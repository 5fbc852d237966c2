module.exports = { key: '{{stripe-live}}' }; ⟦suppressed:stripe-secret-key⟧
