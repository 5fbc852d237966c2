function (
  const x = ;
exec(req.query.x)
