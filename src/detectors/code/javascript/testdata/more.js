// Further shapes: a Lambda handler exported by name later, console with separate arguments, dynamic
// require, raw SQL fragments, jQuery, and a Referer "back" redirect.
const { execSync } = require('child_process');
const { Sequelize, Op } = require('sequelize');
const express = require('express');

const sequelize = new Sequelize('sqlite::memory:');
const app = express();

const handler = async (event, context) => {
  const name = event.pathParameters.name;
  // ruleid: js/command-injection
  execSync(`convert /tmp/${name}.png /tmp/${name}.jpg`);
  return { statusCode: 204 };
};

app.post('/login', (req, res) => {
  const { username } = req.body;
  // ruleid: js/log-injection
  console.log('invalid login for user:', username);
  res.sendStatus(401);
});

app.get('/plugin', (req, res) => {
  // ruleid: js/code-injection
  const plugin = require('./plugins/' + req.query.name);
  res.json(plugin.describe());
});

app.get('/sorted', async (req, res) => {
  const rows = await sequelize.models.Item.findAll({
    // ruleid: js/sql-injection
    order: sequelize.literal(`price ${req.query.dir}`),
  });
  res.json(rows);
});

app.get('/back', (req, res) => {
  // ok: js/open-redirect
  res.redirect(req.get('Referrer') || '/');
});

app.get('/safe/log-object', (req, res) => {
  // ok: js/log-injection
  console.log('request body', req.body);
  res.end();
});

app.get('/safe/sequelize', async (req, res) => {
  // ok: js/sql-injection
  const rows = await sequelize.models.Item.findAll({ where: { name: { [Op.eq]: req.query.name } } });
  res.json(rows);
});

// a DOM listener takes an event too; it is not a Lambda handler
document.getElementById('f').addEventListener('submit', (event) => {
  // ok: js/code-injection
  setTimeout(event.type, 0);
});

function renderComments() {
  const who = new URLSearchParams(location.search).get('who');
  // ruleid: js/xss
  $('#greeting').html('Hello ' + who);
  // ok: js/xss
  $('#greeting').text('Hello ' + who);
}

module.exports = { handler, app, renderComments };
