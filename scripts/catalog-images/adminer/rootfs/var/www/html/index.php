<?php
// The official adminer image's page: Debian's Adminer 4.8.1, the login form's server
// prefilled with ADMINER_DEFAULT_SERVER (default "db", the usual service name), no phoning
// home for a version check.
namespace docker {
	function adminer_object() {
		require_once '/usr/share/adminer/plugins/plugin.php';
		require_once '/usr/share/adminer/plugins/version-noverify.php';

		class Adminer extends \AdminerPlugin {
			function loginFormField($name, $heading, $value) {
				$html = parent::loginFormField($name, $heading, $value);
				if ($name !== 'server') {
					return $html;
				}
				$server = getenv('ADMINER_DEFAULT_SERVER') ?: 'db';
				return str_replace('name="auth[server]" value=""',
					'name="auth[server]" value="' . \h($server) . '"', $html);
			}
		}

		return new Adminer([new \AdminerVersionNoverify()]);
	}
}

namespace {
	function adminer_object() {
		return \docker\adminer_object();
	}

	require 'adminer.php';
}
