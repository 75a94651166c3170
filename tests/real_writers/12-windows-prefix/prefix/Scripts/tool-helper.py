#!python
print('tool helper')
