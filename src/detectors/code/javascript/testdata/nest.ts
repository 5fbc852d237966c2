// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// NestJS controllers: decorated parameters are request data.
import { Controller, Get, Post, Query, Param, Body, Req, Res } from '@nestjs/common';
import { exec } from 'child_process';
import { DataSource } from 'typeorm';

@Controller('tools')
export class ToolsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('dig')
  dig(@Query('host') host: string) {
    // ruleid: js/command-injection
    exec(`dig ${host}`);
  }

  @Get(':id')
  async one(@Param('id') id: string) {
    // ruleid: js/sql-injection
    return this.dataSource.query(`SELECT * FROM tools WHERE id = ${id}`);
  }

  @Post('go')
  go(@Body() body: { next: string }, @Res() res) {
    // ruleid: js/open-redirect
    res.redirect(body.next);
  }

  @Get('safe/:id')
  async safe(@Param('id') id: string) {
    // ok: js/sql-injection
    return this.dataSource.query('SELECT * FROM tools WHERE id = $1', [id]);
  }

  @Get('safe-raw')
  raw(@Req() req) {
    // ok: js/command-injection
    exec('dig example.com');
    return req.query;
  }
}
